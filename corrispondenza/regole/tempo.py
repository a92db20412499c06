"""Counting time as the office has fixed it (DESIGN.md, "Conventions the legal office has fixed").

- Months are calendar months: same day number, clamped to the last day of a shorter month.
- "At least N and at most M months after X" is open from X+N to X+M months, both included.
- A term of N days from X leaves the debtor the whole of day X+N; the consequence starts on
  X+N+1 (``scadenza_termine`` returns X+N, ``decorso`` tells whether a date is past it).

A month's planning asks the same few thousand dates the same questions (X + 3 months, X + 10
years, "dd/mm/yyyy" in a reason) for 100 000 credits: the answers are memoised, which pure
functions of hashable arguments allow.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

_MEMORIA = 1 << 16  # distinct dates of a month's planning: a few thousand


@lru_cache(maxsize=_MEMORIA, typed=True)
def formatta_data(giorno: date) -> str:
    """``date(2026, 3, 5)`` → ``"05/03/2026"``, as every reason of the rules writes a date."""
    return f"{giorno:%d/%m/%Y}"


@lru_cache(maxsize=_MEMORIA, typed=True)
def aggiungi_mesi(giorno: date, mesi: int) -> date:
    """Calendar months: 31/01 + 1 month = 28/02 (29/02 in a leap year)."""
    indice = giorno.year * 12 + giorno.month - 1 + mesi
    anno, mese = divmod(indice, 12)
    if giorno.day <= 28:  # every month has the day: no need to look the month's length up
        return date(anno, mese + 1, giorno.day)
    ultimo = calendar.monthrange(anno, mese + 1)[1]
    return date(anno, mese + 1, min(giorno.day, ultimo))


def aggiungi_anni(giorno: date, anni: int) -> date:
    return aggiungi_mesi(giorno, 12 * anni)


@lru_cache(maxsize=_MEMORIA, typed=True)
def scadenza_termine(inizio: date, giorni: int) -> date:
    """The last day of a term of ``giorni`` days from ``inizio`` (still within the term)."""
    return inizio + timedelta(days=giorni)


@lru_cache(maxsize=_MEMORIA, typed=True)
def primo_giorno_dopo(inizio: date, giorni: int) -> date:
    """The day the consequence of a term of ``giorni`` days from ``inizio`` may start (X+N+1)."""
    return scadenza_termine(inizio, giorni) + timedelta(days=1)


def decorso(inizio: date, giorni: int, oggi: date) -> bool:
    """True from the day after the term's last day: the consequence may start."""
    return oggi > scadenza_termine(inizio, giorni)


@dataclass(frozen=True, slots=True)
class Finestra:
    """A window of dates, both ends included."""

    dal: date
    al: date

    @classmethod
    def mesi_dopo(cls, riferimento: date, minimi: int, massimi: int) -> Finestra:
        if cls is Finestra:  # immutable: the same window serves every credit of the same date
            return _mesi_dopo(riferimento, minimi, massimi)
        return cls(aggiungi_mesi(riferimento, minimi), aggiungi_mesi(riferimento, massimi))

    def contiene(self, giorno: date) -> bool:
        return self.dal <= giorno <= self.al

    def prima(self, giorno: date) -> bool:
        return giorno < self.dal

    def dopo(self, giorno: date) -> bool:
        return giorno > self.al


@lru_cache(maxsize=_MEMORIA, typed=True)
def _mesi_dopo(riferimento: date, minimi: int, massimi: int) -> Finestra:
    return Finestra(aggiungi_mesi(riferimento, minimi), aggiungi_mesi(riferimento, massimi))
