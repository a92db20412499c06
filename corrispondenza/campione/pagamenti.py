"""Payments already received: some credits partially paid, a few settled in full.

Partial payments leave a residual so the engine must recompute the amount still due;
fully paid credits must be recognised and never solicited.
"""

from __future__ import annotations

import datetime
import random

from .crediti import Credito, prescrivibile
from .formati import data_it, giorno_tra, importo_it

QUOTA_SALDATI = 0.03
QUOTA_PARZIALI = 0.10
QUOTA_PAGOPA = 0.70


class _Riferimenti:
    """Unique payment references in the two formats the treasury reports."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._iuv = rng.randint(1_000, 500_000)
        self._cro: set[int] = set()

    def nuovo(self) -> str:
        """A pagoPA reference (progressive) or a bank transfer CRO (random, unique)."""
        rng = self._rng
        if rng.random() < QUOTA_PAGOPA:
            self._iuv += rng.randint(1, 40)
            return f"PAGOPA-{self._iuv:09d}"
        cro = rng.randint(10_000_000, 99_999_999)
        while cro in self._cro:
            cro = rng.randint(10_000_000, 99_999_999)
        self._cro.add(cro)
        return f"BONIFICO CRO {cro}"


def _in_rate(rng: random.Random, totale: int) -> list[int]:
    """Split a total (cents) into one or two positive instalments."""
    if totale < 2 or rng.random() < 0.6:
        return [totale]
    primo = rng.randint(1, totale - 1)
    return [primo, totale - primo]


def genera_pagamenti(crediti: list[Credito], rng: random.Random, oggi: datetime.date) -> list[dict[str, str]]:
    """pagamenti.csv rows: partial payments stay strictly below the credit's amount.

    Old credits kept for the prescription tests are never paid (a payment interrupts it).
    """
    riferimenti = _Riferimenti(rng)
    righe: list[dict[str, str]] = []
    for credito in crediti:
        if prescrivibile(credito, oggi):
            continue
        tiro = rng.random()
        if tiro < QUOTA_SALDATI:
            pagato = credito.importo
        elif tiro < QUOTA_SALDATI + QUOTA_PARZIALI and credito.importo >= 2:
            pagato = rng.randint(max(1, credito.importo // 10), credito.importo - 1)
        else:
            continue
        rate = _in_rate(rng, pagato)
        date = sorted(giorno_tra(rng, credito.documento, oggi) for _ in rate)
        for giorno, rata in zip(date, rate, strict=True):
            righe.append(
                {
                    "id_credito": credito.id_credito,
                    "data": data_it(giorno),
                    "importo": importo_it(rata),
                    "riferimento": riferimenti.nuovo(),
                }
            )
    return righe
