"""Art. 3 c. 2–3: the credit types that skip avviso and sollecito.

- Type e (administrative sanctions, L. 689/1981): the ordinanza-ingiunzione is itself the
  enforceable title. Once notified and its 30 days passed unpaid, forced collection follows.
- Type f (controlli sanitari, D.Lgs. 194/2008 art. 10 c. 5): 60 days after the payment request,
  the unpaid part is increased by 30 % and bears legal interest, and forced collection follows
  directly. The surcharge bears no interest (docs/interessi.md).
"""

from __future__ import annotations

from datetime import date

from corrispondenza.dominio.pratica import Pratica
from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.errors import TassoMancanteError
from corrispondenza.regole.esito import Decisione, Importi, Segnalazione, TipoSegnalazione
from corrispondenza.regole.interessi import interessi_legali, maggiorazione
from corrispondenza.regole.parametri import Parametri
from corrispondenza.regole.procedura import escludi, revisione
from corrispondenza.regole.tempo import formatta_data, primo_giorno_dopo, scadenza_termine


def sanzione(pratica: Pratica, oggi: date, par: Parametri) -> Decisione:
    """Art. 3 c. 2: no letter of ours; after the notified ordinanza's term, the ruolo directly."""
    ordinanze = pratica.lettere_di(TipoLettera.ORDINANZA_INGIUNZIONE)
    notificate = [x for x in ordinanze if x.notificata and x.data_consegna]
    if not notificate:
        if ordinanze and ordinanze[-1].fallita:
            return revisione(
                pratica, "3.2", "ordinanza-ingiunzione non consegnata: verificare l'indirizzo e rinotificare"
            )
        return escludi(
            pratica,
            "3.2",
            "sanzione amministrativa: nessun avviso né sollecito; "
            "si attende la notifica dell'ordinanza-ingiunzione",
        )
    notifica = notificate[-1].data_consegna
    dal = primo_giorno_dopo(notifica, par.regole.ordinanza_ingiunzione.giorni)
    if oggi < dal:
        return escludi(
            pratica,
            "3.2",
            f"ordinanza-ingiunzione notificata il {formatta_data(notifica)}: "
            f"riscossione coattiva dal {formatta_data(dal)}",
            dal,
        )
    importi = Importi(principale=pratica.residuo(oggi))
    testo = (
        f"ordinanza-ingiunzione notificata il {formatta_data(notifica)} "
        "e non pagata: riscossione coattiva diretta"
    )
    return _ruolo_diretto(pratica, "3.2", testo, importi)


def controlli_sanitari(pratica: Pratica, oggi: date, par: Parametri) -> Decisione:
    """Art. 3 c. 3: after 60 days from the request, +30 % and legal interest, then the ruolo."""
    regola = par.regole.controlli_sanitari
    richiesta = pratica.data_documento or pratica.data_prestazione
    termine = scadenza_termine(richiesta, regola.giorni)
    dal = primo_giorno_dopo(richiesta, regola.giorni)
    if oggi < dal:
        return escludi(
            pratica,
            "3.3",
            f"controlli sanitari: maggiorazione e riscossione coattiva dal {formatta_data(dal)}",
            dal,
        )
    residuo = pratica.residuo(oggi)
    try:
        interessi = interessi_legali(residuo, termine, oggi, par.interessi.legali)
    except TassoMancanteError as exc:  # one credit needs a rate the office has not configured
        return revisione(pratica, "3.3", exc.messaggio)
    importi = Importi(
        principale=residuo,
        maggiorazione=maggiorazione(residuo, regola.maggiorazione),
        interessi=interessi,
    )
    testo = (
        f"controlli sanitari non pagati entro {regola.giorni} giorni dalla richiesta del "
        f"{formatta_data(richiesta)}: maggiorazione del {regola.maggiorazione} %, interessi legali "
        "e riscossione coattiva diretta"
    )
    return _ruolo_diretto(pratica, "3.3", testo, importi)


def _ruolo_diretto(pratica: Pratica, articolo: str, testo: str, importi: Importi) -> Decisione:
    segnalazione = Segnalazione(TipoSegnalazione.RUOLO_DIRETTO, articolo, testo, importi, pratica.debitore)
    return escludi(pratica, articolo, testo, None, segnalazione)
