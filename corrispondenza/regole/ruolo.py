"""Art. 8: what goes to forced collection (iscrizione a ruolo), and how much.

- c. 5: at least 3 months after the sollecito's delivery (or the heirs' letter);
- c. 6: principal + interest at the Tesoriere rate + every documented cost charged (+ the flat
  management fee, if configured);
- c. 7: nothing under the ruolo minimum (10,33 €), measured on the total;
- c. 9: only within prescription.
Interest (DESIGN.md): simple, on the residual principal, from the day after the sollecito's
15-day term to the evaluation date, divisor 365, rate by period.
"""

from __future__ import annotations

from datetime import date

from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.dominio.pratica import Pratica
from corrispondenza.errors import TassoMancanteError
from corrispondenza.regole.esito import Esclusione, Importi
from corrispondenza.regole.interessi import interessi_tesoriere
from corrispondenza.regole.parametri import Parametri
from corrispondenza.regole.prescrizione import prescritto
from corrispondenza.regole.procedura import FORMALI, spese_addebitate
from corrispondenza.regole.tempo import aggiungi_mesi, formatta_data, scadenza_termine


def importo_a_ruolo(pratica: Pratica, oggi: date, par: Parametri) -> Importi | Esclusione:
    """The amounts to enrol on ``oggi``, or why the credit cannot be enrolled yet."""
    regole = par.regole
    notificati = [x for x in pratica.lettere_di(*FORMALI) if x.notificata and x.data_consegna]
    if not notificati:
        return Esclusione("8.5", "nessun sollecito notificato: il ruolo non è ancora possibile")
    consegna = notificati[-1].data_consegna
    dal = aggiungi_mesi(consegna, regole.ruolo.mesi_dopo_notifica)
    if oggi < dal:
        return Esclusione("8.5", f"iscrivibile a ruolo dal {formatta_data(dal)}", dal)
    if prescritto(pratica, oggi, regole):
        return Esclusione("8.9", "credito prescritto: non iscrivibile a ruolo")
    residuo = pratica.residuo(oggi)
    termine = scadenza_termine(consegna, regole.sollecito.termine_giorni)
    try:
        interessi = interessi_tesoriere(residuo, termine, oggi, par.interessi.tesoriere)
    except TassoMancanteError as exc:
        return Esclusione("8.6", exc.messaggio)
    importi = Importi(
        principale=residuo,
        interessi=interessi,
        spese=spese_addebitate(pratica) + regole.ruolo.spese_forfettarie,
    )
    if importi.totale < regole.soglia_ruolo:
        soglia = formatta_euro(regole.soglia_ruolo)
        return Esclusione(
            "8.7", f"totale {formatta_euro(importi.totale)} sotto il minimo iscrivibile di {soglia}"
        )
    return importi
