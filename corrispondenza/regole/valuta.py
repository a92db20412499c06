"""The decision for one credit on one day: the order in which the Regolamento's rules apply.

1. Nothing to do: paid, written off, enrolled, no residual (Art. 6 c. 3, Art. 8 c. 9).
2. Blocked: an open contestation (Art. 5 c. 6, Art. 6 c. 11).
3. Bankruptcy: no letter, a report to the Servizio Legale (Art. 6 c. 8).
4. Prescription: a prescribed credit gets no letter and is proposed for stralcio (Art. 1 c. 3);
   one close to it is reported and goes on.
5. Types e and f take their own path (Art. 3 c. 2–3); the others must be in arrears (Art. 4).
6. Deceased debtor → heirs (Art. 6 c. 8); otherwise avviso → sollecito → ruolo (Art. 5, 6, 8).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.dominio.pratica import Pratica
from corrispondenza.dominio.tipi import TipoCredito, TipoLettera
from corrispondenza.regole.eredi import lettere_agli_eredi
from corrispondenza.regole.esito import Decisione, Importi, Segnalazione, TipoSegnalazione
from corrispondenza.regole.parametri import Parametri
from corrispondenza.regole.prescrizione import data_prescrizione, in_scadenza
from corrispondenza.regole.procedura import FORMALI, avviso, dopo_il_sollecito, escludi, sollecito
from corrispondenza.regole.scadenza import moroso_dal
from corrispondenza.regole.speciali import controlli_sanitari, sanzione
from corrispondenza.regole.tempo import formatta_data
from corrispondenza.stato import StatoCredito

_CHIUSI = {
    StatoCredito.PAGATO: ("6.3", "credito pagato"),
    StatoCredito.STRALCIATO: ("6.11", "credito stralciato"),
    StatoCredito.A_RUOLO: ("8.9", "credito già iscritto a ruolo"),
}


def valuta(pratica: Pratica, oggi: date, par: Parametri) -> Decisione:
    """Apply the rules in the Regolamento's order; the first that decides, decides."""
    if pratica.stato is not StatoCredito.APERTO and pratica.stato in _CHIUSI:  # no enum hash when open
        return escludi(pratica, *_CHIUSI[pratica.stato])
    residuo = pratica.residuo(oggi)
    if residuo <= 0:
        return escludi(pratica, "6.3", "nessun residuo: i pagamenti coprono l'importo")
    if pratica.stato is StatoCredito.CONTESTATO:
        return escludi(
            pratica, "5.6", "contestazione in corso: procedura sospesa fino all'esito della verifica"
        )
    if pratica.debitore.fallito(oggi):
        return _fallimento(pratica, oggi)
    fine = data_prescrizione(pratica, par.regole)
    if fine is not None and oggi > fine:
        return _prescritto(pratica, fine, oggi)
    decisione = _percorso(pratica, oggi, par)
    if in_scadenza(fine, oggi, par.regole):
        avviso_prescrizione = Segnalazione(
            TipoSegnalazione.PRESCRIZIONE,
            "1.3",
            f"prescrizione il {formatta_data(fine)}: notificare un sollecito prima di allora",
        )
        decisione = replace(decisione, segnalazioni=(*decisione.segnalazioni, avviso_prescrizione))
    return decisione


def _percorso(pratica: Pratica, oggi: date, par: Parametri) -> Decisione:
    if pratica.tipo is TipoCredito.E:
        return sanzione(pratica, oggi, par)
    if pratica.tipo is TipoCredito.F:
        return controlli_sanitari(pratica, oggi, par)
    dal = moroso_dal(pratica, par.regole)
    if dal is None:
        return escludi(
            pratica, "4.2", "né data del documento né della prestazione: impossibile stabilire la scadenza"
        )
    if oggi < dal:
        return escludi(pratica, "4.1", f"non ancora scaduto: moroso dal {formatta_data(dal)}", dal)
    if pratica.lettere_di(TipoLettera.RATEIZZAZIONE_ACCOLTA):
        return escludi(pratica, "7.6", "rateizzazione accolta in corso")
    if pratica.debitore.deceduto(oggi):
        return lettere_agli_eredi(pratica, oggi, par)
    formali = pratica.lettere_di(*FORMALI)
    if formali:
        return dopo_il_sollecito(pratica, oggi, par, formali[-1])
    avvisi = pratica.lettere_di(TipoLettera.AVVISO)
    if avvisi:
        return sollecito(pratica, oggi, par, avvisi[-1])
    return avviso(pratica, oggi, par)


def _fallimento(pratica: Pratica, oggi: date) -> Decisione:
    residuo = pratica.residuo(oggi)
    testo = (
        f"procedura concorsuale dal {formatta_data(pratica.debitore.fallimento_il)}: nessuna lettera; "
        f"credito aperto di {formatta_euro(residuo)} da insinuare al passivo"
    )
    segnalazione = Segnalazione(
        TipoSegnalazione.FALLIMENTO, "6.8", testo, Importi(principale=residuo), pratica.debitore
    )
    return escludi(pratica, "6.8", testo, None, segnalazione)


def _prescritto(pratica: Pratica, fine: date, oggi: date) -> Decisione:
    testo = f"credito prescritto il {formatta_data(fine)}: nessuna lettera, proposta di stralcio"
    segnalazione = Segnalazione(
        TipoSegnalazione.STRALCIO, "1.3", testo, Importi(principale=pratica.residuo(oggi))
    )
    return escludi(pratica, "1.3", testo, None, segnalazione)
