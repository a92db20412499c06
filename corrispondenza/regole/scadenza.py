"""Art. 4: when a debtor is in arrears (moroso)."""

from __future__ import annotations

from datetime import date, timedelta

from corrispondenza.config.schema import Regole
from corrispondenza.dominio.pratica import Pratica
from corrispondenza.regole.tempo import scadenza_termine


def data_scadenza(pratica: Pratica, regole: Regole) -> date | None:
    """Art. 4 c. 2: the explicit due date wins; else 30 days from the document, or from the fact."""
    if pratica.scadenza is not None:
        return pratica.scadenza
    inizio = pratica.data_documento or pratica.data_prestazione
    return scadenza_termine(inizio, regole.termine_pagamento_giorni) if inizio else None


def moroso_dal(pratica: Pratica, regole: Regole) -> date | None:
    """Art. 4 c. 1: the first day of arrears, the day after the due date."""
    scadenza = data_scadenza(pratica, regole)
    return scadenza + _UN_GIORNO if scadenza else None


_UN_GIORNO = timedelta(days=1)
