"""Art. 1 c. 3: only credits not prescribed may be pursued.

Prescription runs from the due date (10 years; 5 for type e, from the violation) and restarts
from the delivery of a formal demand: the sollecito (art. 2943 c.c., Art. 6 c. 7), the letter
to the heirs that takes its place, and for type e the notified ordinanza-ingiunzione. An
avviso proves no receipt and interrupts nothing; a demand delivered after the term had
already run revives nothing.
"""

from __future__ import annotations

from datetime import date

from corrispondenza.config.schema import Regole
from corrispondenza.dominio.pratica import Pratica
from corrispondenza.dominio.tipi import TipoCredito, TipoLettera
from corrispondenza.regole.scadenza import data_scadenza
from corrispondenza.regole.tempo import aggiungi_anni, aggiungi_mesi

INTERRUTTIVE = (TipoLettera.SOLLECITO, TipoLettera.EREDI, TipoLettera.ORDINANZA_INGIUNZIONE)


def anni_di_prescrizione(tipo: TipoCredito, regole: Regole) -> int:
    return regole.prescrizione.anni_per_tipo.get(tipo, regole.prescrizione.anni_ordinaria)


def inizio_prescrizione(pratica: Pratica, regole: Regole) -> date | None:
    """Type e runs from the violation (the fact); every other type from the due date."""
    if pratica.tipo is TipoCredito.E:
        return pratica.data_prestazione or pratica.data_documento
    return data_scadenza(pratica, regole)


def data_prescrizione(pratica: Pratica, regole: Regole) -> date | None:
    """The last day the credit can be pursued, after every valid interruption."""
    inizio = inizio_prescrizione(pratica, regole)
    if inizio is None:
        return None
    anni = anni_di_prescrizione(pratica.tipo, regole)
    fine = aggiungi_anni(inizio, anni)
    if not pratica.lettere:  # most credits: nothing can have interrupted it
        return fine
    consegne = sorted(x.data_consegna for x in pratica.lettere_di(*INTERRUTTIVE) if x.notificata)
    for consegna in consegne:
        if consegna and inizio <= consegna <= fine:
            fine = aggiungi_anni(consegna, anni)
    return fine


def prescritto(pratica: Pratica, oggi: date, regole: Regole) -> bool:
    fine = data_prescrizione(pratica, regole)
    return fine is not None and oggi > fine


def in_scadenza(fine: date | None, oggi: date, regole: Regole) -> bool:
    """Within ``prescrizione.preavviso_mesi`` of the last day ``fine``: worth a warning."""
    return fine is not None and aggiungi_mesi(fine, -regole.prescrizione.preavviso_mesi) <= oggi <= fine
