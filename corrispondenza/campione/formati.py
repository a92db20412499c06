"""Date arithmetic, random dates and the textual formats of the CSV files.

The importer parses exactly ``dd/mm/yyyy`` dates and ``1234,50`` amounts, so every value is
formatted here, once, and the generator modules never build these strings by hand.
"""

from __future__ import annotations

import datetime
import random
from functools import lru_cache

from .caso import intero

_GIORNI_MESE = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=16384)
def data_it(giorno: datetime.date | None) -> str:
    """``dd/mm/yyyy``, or the empty string for a missing date (cached: dates repeat)."""
    if giorno is None:
        return ""
    return f"{giorno.day:02d}/{giorno.month:02d}/{giorno.year:04d}"


def importo_it(centesimi: int) -> str:
    """Euro amount from integer cents, comma decimals, no thousands separator."""
    if centesimi < 0:
        raise ValueError(f"importo negativo: {centesimi}")
    return f"{centesimi // 100},{centesimi % 100:02d}"


@lru_cache(maxsize=16384)
def aggiungi_mesi(giorno: datetime.date, mesi: int) -> datetime.date:
    """Calendar month shift, clamping the day (31 Jan + 1 month = 28/29 Feb).

    Cached because most calls shift the same few reference days.
    """
    totale = giorno.year * 12 + giorno.month - 1 + mesi
    anno, mese = divmod(totale, 12)
    mese += 1
    ultimo = _ultimo_giorno(anno, mese)
    return datetime.date(anno, mese, min(giorno.day, ultimo))


def _ultimo_giorno(anno: int, mese: int) -> int:
    """Number of days in a month."""
    bisestile = anno % 4 == 0 and (anno % 100 != 0 or anno % 400 == 0)
    return 29 if mese == 2 and bisestile else _GIORNI_MESE[mese - 1]


def giorno_tra(rng: random.Random, inizio: datetime.date, fine: datetime.date) -> datetime.date:
    """A uniformly random day in the closed interval [inizio, fine]."""
    if fine < inizio:
        raise ValueError(f"intervallo vuoto: {inizio} > {fine}")
    return datetime.date.fromordinal(intero(rng, inizio.toordinal(), fine.toordinal()))


_SPOSTAMENTI: dict[int, datetime.timedelta] = {}


def piu_giorni(giorno: datetime.date, giorni: int) -> datetime.date:
    """``giorno + timedelta(days=giorni)``, reusing the timedelta objects (a hot path)."""
    spostamento = _SPOSTAMENTI.get(giorni)
    if spostamento is None:
        spostamento = _SPOSTAMENTI[giorni] = datetime.timedelta(days=giorni)
    return giorno + spostamento
