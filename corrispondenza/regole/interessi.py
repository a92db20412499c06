"""Interest and surcharge on overdue credits: pure arithmetic on Decimal, dates and rates.

Why a module of its own: three articles ask for money that grows with time, each with its own
rate and day count, and the legal office must be able to recompute every cent by hand.

- Art. 3 c. 3 (type f, D.Lgs. 194/2008 art. 10 c. 5): after 60 days from the payment request
  the unpaid part is increased by 30 % (``maggiorazione``) plus legal interest
  (``interessi_legali``): simple interest split by calendar year, each year at its own rate
  over its own length (365 or 366 days).
- Art. 8 c. 6 lett. b (ruolo) and Art. 7 c. 5 (the rate of instalments beyond 12 months):
  interest at the Tesoriere's cash-advance rate (``interessi_tesoriere``), simple, divisor
  always 365, the rate changing by period.

Conventions (DESIGN.md, "Conventions the legal office has fixed"): interest accrues from the
day after ``dal`` (the last day of the term) to ``al`` included, so the days are
``(al - dal).days``; the parts are summed exactly, without rounding, and only the total is
rounded half-up to the cent. The parts are kept as exact fractions (``Fraction``), never as
float, so a total that lands exactly on half a cent is rounded up as the office would by hand.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import trunc
from typing import Protocol

from corrispondenza.dominio.euro import ZERO, arrotonda
from corrispondenza.errors import TassoMancanteError

GIORNI_ANNO_TESORIERE = 365  # DESIGN.md, "Interest for the ruolo": divisor 365, leap or not
_MICRO = 10**6  # cutting at the micro-euro never moves a value across a half cent


class Periodo(Protocol):
    """A rate valid from ``dal`` until the next period starts (config: ``interessi.tesoriere``)."""

    @property
    def dal(self) -> date: ...

    @property
    def tasso(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class _Tratto:
    """Days of one stretch of the period at one rate, over a year of ``base`` days."""

    giorni: int
    tasso: Decimal
    base: int


def interessi_legali(capitale: Decimal, dal: date, al: date, tassi: Mapping[int, Decimal]) -> Decimal:
    """Art. 3 c. 3: legal interest on the unpaid tariff, by calendar year at that year's rate.

    ``tassi`` maps each calendar year to its rate in percent (config: ``interessi.legali``).
    """
    _verifica_capitale(capitale)
    if al <= dal:
        return ZERO
    anni = list(_giorni_per_anno(dal, al))
    mancanti = [anno for anno, _ in anni if anno not in tassi]
    if mancanti:
        raise _legale_mancante(mancanti)
    tratti = [_Tratto(giorni, tassi[anno], _lunghezza(anno)) for anno, giorni in anni]
    return _somma(capitale, tratti)


def interessi_tesoriere(capitale: Decimal, dal: date, al: date, periodi: Sequence[Periodo]) -> Decimal:
    """Art. 8 c. 6 lett. b, Art. 7 c. 5: simple interest at the Tesoriere's rate, divisor 365.

    Each period's rate holds from its ``dal`` to the day before the next period's ``dal``.
    """
    _verifica_capitale(capitale)
    if al <= dal:
        return ZERO
    ordinati = sorted(periodi, key=lambda periodo: periodo.dal)
    primo_giorno = dal + timedelta(days=1)
    if not ordinati or primo_giorno < ordinati[0].dal:
        raise _tesoriere_mancante(primo_giorno)
    tratti = [
        _Tratto(giorni, tasso, GIORNI_ANNO_TESORIERE)
        for tasso, giorni in _giorni_per_periodo(dal, al, ordinati)
    ]
    return _somma(capitale, tratti)


def maggiorazione(importo: Decimal, percentuale: Decimal) -> Decimal:
    """Art. 3 c. 3: the surcharge (30 % by default) on the unpaid part, half-up to the cent."""
    _verifica_capitale(importo)
    n, d = _esatto(importo).as_integer_ratio()
    pn, pd = _esatto(percentuale).as_integer_ratio()
    return _in_euro(Fraction(n * pn, d * pd * 100))


def _verifica_capitale(capitale: Decimal) -> None:
    if _esatto(capitale) < 0:
        raise ValueError(f"l'importo su cui calcolare interessi o maggiorazione è negativo: {capitale}")


def _esatto(valore: Decimal | int) -> Decimal:
    """Refuse float (and anything else) early: money here is Decimal only."""
    if isinstance(valore, bool) or not isinstance(valore, Decimal | int):
        raise TypeError(f"atteso un Decimal, trovato {type(valore).__name__}")
    if isinstance(valore, Decimal) and not valore.is_finite():
        raise ValueError(f"valore non finito: {valore}")
    return Decimal(valore)


def _somma(capitale: Decimal, tratti: Sequence[_Tratto]) -> Decimal:
    """Sum capitale × rate/100 × days/base over the stretches exactly; round the total only.

    In integers (numerator, denominator), one ``Fraction`` at the end: the same exact value as
    summing a ``Fraction`` per stretch, without reducing each intermediate result.
    """
    cn, cd = _esatto(capitale).as_integer_ratio()
    numeratore, denominatore = 0, 1
    for t in tratti:
        tn, td = _esatto(t.tasso).as_integer_ratio()
        n, d = cn * tn * t.giorni, cd * td * 100 * t.base
        numeratore, denominatore = numeratore * d + n * denominatore, denominatore * d
    return _in_euro(Fraction(numeratore, denominatore))


def _in_euro(valore: Fraction) -> Decimal:
    """Exact value → cents, half-up, via ``arrotonda``.

    Cutting the exact value at the micro-euro (towards zero) keeps a half cent a half cent (it
    lies on the micro grid) and leaves anything short of it short of it, so the rounding
    decides exactly as it would on the exact value.
    """
    micro = trunc(valore * _MICRO)
    return arrotonda(Decimal(micro).scaleb(-6))


def _lunghezza(anno: int) -> int:
    return 366 if calendar.isleap(anno) else 365


def _giorni_per_anno(dal: date, al: date) -> Iterator[tuple[int, int]]:
    """(year, days) of the days from the day after ``dal`` to ``al`` included."""
    inizio = dal + timedelta(days=1)
    for anno in range(inizio.year, al.year + 1):
        primo = max(inizio, date(anno, 1, 1))
        ultimo = min(al, date(anno, 12, 31))
        yield anno, (ultimo - primo).days + 1


def _giorni_per_periodo(dal: date, al: date, periodi: Sequence[Periodo]) -> Iterator[tuple[Decimal, int]]:
    """(rate, days) of the days from the day after ``dal`` to ``al`` included, by rate period."""
    inizio = dal + timedelta(days=1)
    fini = [p.dal - timedelta(days=1) for p in periodi[1:]] + [al]
    for periodo, fine in zip(periodi, fini, strict=True):
        primo, ultimo = max(inizio, periodo.dal), min(al, fine)
        if ultimo >= primo:
            yield periodo.tasso, (ultimo - primo).days + 1


def _legale_mancante(anni: Sequence[int]) -> TassoMancanteError:
    if len(anni) == 1:
        testo = f"Manca il saggio degli interessi legali per l'anno {anni[0]}: aggiungerlo"
    else:
        testo = (
            f"Mancano i saggi degli interessi legali per gli anni {', '.join(map(str, anni))}: aggiungerli"
        )
    return TassoMancanteError(
        f"{testo} in config.yaml (interessi.legali).", anni=list(anni), percorso="interessi.legali"
    )


def _tesoriere_mancante(giorno: date) -> TassoMancanteError:
    return TassoMancanteError(
        f"Manca il tasso del Tesoriere per le anticipazioni di cassa per il {giorno:%d/%m/%Y}: aggiungere "
        f"in config.yaml (interessi.tesoriere) un periodo con «dal» non successivo a quella data.",
        giorno=giorno,
        percorso="interessi.tesoriere",
    )
