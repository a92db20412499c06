"""Art. 5 and 6: the ordinary path of a credit — avviso, then sollecito, then the wait for the ruolo.

Each function returns the ``Decisione`` for one stage, with the article and, when a letter is
not yet possible, the first day it will be (``Esclusione.dal``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from corrispondenza.config.schema import Regole
from corrispondenza.dominio.euro import ZERO
from corrispondenza.dominio.pratica import LetteraInviata, Pratica
from corrispondenza.dominio.tipi import Canale, TipoLettera
from corrispondenza.regole.canali import canale_avviso, canale_formale
from corrispondenza.regole.destinatari import Destinatario, rappresentante
from corrispondenza.regole.esito import (
    Decisione,
    Esclusione,
    Importi,
    LetteraProposta,
    Motivo,
    Ruolo,
    Segnalazione,
    TipoSegnalazione,
)
from corrispondenza.regole.parametri import Parametri
from corrispondenza.regole.scadenza import moroso_dal
from corrispondenza.regole.tempo import Finestra, aggiungi_mesi, formatta_data

FORMALI = (TipoLettera.SOLLECITO, TipoLettera.EREDI)


def escludi(
    pratica: Pratica, articolo: str, motivo: str, dal: date | None = None, *segnalazioni: Segnalazione
) -> Decisione:
    return Decisione(
        pratica.credito_id, esclusione=Esclusione(articolo, motivo, dal), segnalazioni=segnalazioni
    )


def revisione(pratica: Pratica, articolo: str, motivo: str) -> Decisione:
    """No automatic letter: a person must look at the credit (DESIGN.md, past the windows)."""
    segnalazione = Segnalazione(TipoSegnalazione.REVISIONE, articolo, motivo)
    return escludi(pratica, articolo, motivo, None, segnalazione)


def destinatario(pratica: Pratica, oggi: date, par: Parametri) -> Destinatario | None:
    """Art. 6 c. 8: a minor's letters go to a parent or the guardian; otherwise to the debtor."""
    if pratica.debitore.minorenne(oggi, par.regole.maggiore_eta):
        return rappresentante(pratica)
    return Destinatario(pratica.debitore, Ruolo.DEBITORE)


def spese_addebitate(pratica: Pratica) -> Decimal:
    """Art. 6 c. 9: the postage of every formal demand already sent stays charged."""
    return sum((x.spese for x in pratica.lettere_di(*FORMALI)), ZERO)


def finestra_avviso(pratica: Pratica, regole: Regole) -> Finestra:
    """Art. 5 c. 4: 3 to 12 months after the service (or the document), and not before arrears."""
    servizio = pratica.data_prestazione or pratica.data_documento
    finestra = Finestra.mesi_dopo(servizio, regole.avviso.mesi_minimi, regole.avviso.mesi_massimi)
    dal = max(finestra.dal, moroso_dal(pratica, regole) or finestra.dal)
    return finestra if dal == finestra.dal else Finestra(dal, finestra.al)


def finestra_sollecito(ultimo_avviso: LetteraInviata, regole: Regole) -> Finestra:
    """Art. 6 c. 5: 3 to 12 months after the last avviso."""
    return Finestra.mesi_dopo(
        ultimo_avviso.data_invio, regole.sollecito.mesi_minimi, regole.sollecito.mesi_massimi
    )


def avviso(pratica: Pratica, oggi: date, par: Parametri) -> Decisione:
    """Art. 5 c. 4–5: 3 to 12 months after the service, in arrears, no costs and no interest."""
    regole = par.regole
    servizio = pratica.data_prestazione or pratica.data_documento
    finestra = finestra_avviso(pratica, regole)
    if finestra.prima(oggi):
        return escludi(pratica, "5.4", f"avviso possibile dal {formatta_data(finestra.dal)}", finestra.dal)
    if finestra.dopo(oggi):
        return revisione(
            pratica,
            "5.4",
            f"oltre {regole.avviso.mesi_massimi} mesi dalla prestazione del {formatta_data(servizio)} "
            "senza avviso: nessun invio automatico, serve una verifica",
        )
    residuo = pratica.residuo(oggi)
    if residuo < regole.avviso.importo_minimo:
        return escludi(pratica, "5.5", "importo sotto la soglia minima fissata per l'avviso")
    return _proponi(
        pratica,
        oggi,
        par,
        TipoLettera.AVVISO,
        Importi(principale=residuo),
        Motivo("5.4", "avviso di pagamento: moroso, nella finestra di 3–12 mesi"),
    )


def sollecito(pratica: Pratica, oggi: date, par: Parametri, ultimo_avviso: LetteraInviata) -> Decisione:
    """Art. 6 c. 3–5: 3 to 12 months after the avviso, for the residual after payments."""
    regole = par.regole
    finestra = finestra_sollecito(ultimo_avviso, regole)
    if finestra.prima(oggi):
        return escludi(pratica, "6.5", f"sollecito possibile dal {formatta_data(finestra.dal)}", finestra.dal)
    if finestra.dopo(oggi):
        return revisione(
            pratica,
            "6.5",
            f"oltre {regole.sollecito.mesi_massimi} mesi dall'avviso del "
            f"{formatta_data(ultimo_avviso.data_invio)} "
            "senza sollecito: nessun invio automatico, serve una verifica",
        )
    motivo = Motivo("6.3", "nessun pagamento dopo l'avviso: sollecito per il residuo")
    return _formale(pratica, oggi, par, frozenset(), motivo)


def dopo_il_sollecito(pratica: Pratica, oggi: date, par: Parametri, ultimo: LetteraInviata) -> Decisione:
    """Art. 6 c. 10–11 and Art. 8 c. 5: wait for the proof, fall back, or wait for the ruolo."""
    if ultimo.notificata:
        dal = aggiungi_mesi(ultimo.data_consegna, par.regole.ruolo.mesi_dopo_notifica)
        return escludi(
            pratica,
            "8.5",
            f"sollecito notificato il {formatta_data(ultimo.data_consegna)}: "
            f"iscrivibile a ruolo dal {formatta_data(dal)}",
            dal,
        )
    if not ultimo.fallita:
        return escludi(
            pratica,
            "6.10",
            f"sollecito del {formatta_data(ultimo.data_invio)} in attesa della prova di consegna",
        )
    falliti = frozenset(x.canale for x in pratica.lettere_di(*FORMALI) if x.fallita)
    motivo = Motivo("6.11", f"sollecito del {formatta_data(ultimo.data_invio)} non consegnato: nuovo invio")
    return _formale(pratica, oggi, par, falliti, motivo)


def _formale(
    pratica: Pratica, oggi: date, par: Parametri, falliti: frozenset[Canale], motivo: Motivo
) -> Decisione:
    residuo = pratica.residuo(oggi)
    dest = destinatario(pratica, oggi, par)
    if dest is None:
        return revisione(pratica, "6.8", "debitore minorenne senza genitore o tutore in archivio")
    scelta = canale_formale(dest.persona, residuo, par.regole, falliti)
    importi = Importi(principale=residuo, spese=spese_addebitate(pratica))
    if scelta.canale is not None:
        lettera = LetteraProposta(
            TipoLettera.SOLLECITO, scelta.canale, dest.persona, dest.ruolo, importi, (motivo, scelta.motivo)
        )
        return Decisione(pratica.credito_id, lettere=(lettera,))
    if scelta.motivo.articolo == "6.11":
        return revisione(pratica, scelta.motivo.articolo, scelta.motivo.testo)
    decisione = escludi(pratica, scelta.motivo.articolo, scelta.motivo.testo)
    candidata = sotto_soglia(TipoLettera.SOLLECITO, dest, importi, falliti, (motivo, scelta.motivo))
    return replace(decisione, sotto_soglia=candidata)


def sotto_soglia(
    tipo: TipoLettera,
    dest: Destinatario,
    importi: Importi,
    falliti: frozenset[Canale],
    motivi: tuple[Motivo, ...],
) -> tuple[LetteraProposta, ...]:
    """Art. 6 c. 5–6: a raccomandata that may go out once grouped above the ruolo minimum."""
    if not dest.persona.ha_indirizzo or Canale.RACCOMANDATA_AR in falliti:
        return ()
    return (LetteraProposta(tipo, Canale.RACCOMANDATA_AR, dest.persona, dest.ruolo, importi, motivi),)


def _proponi(
    pratica: Pratica, oggi: date, par: Parametri, tipo: TipoLettera, importi: Importi, motivo: Motivo
) -> Decisione:
    dest = destinatario(pratica, oggi, par)
    if dest is None:
        return revisione(pratica, "6.8", "debitore minorenne senza genitore o tutore in archivio")
    scelta = canale_avviso(dest.persona, par.regole)
    if scelta.canale is None:
        return revisione(pratica, scelta.motivo.articolo, scelta.motivo.testo)
    lettera = LetteraProposta(tipo, scelta.canale, dest.persona, dest.ruolo, importi, (motivo, scelta.motivo))
    return Decisione(pratica.credito_id, lettere=(lettera,))
