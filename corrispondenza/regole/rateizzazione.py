"""Art. 7: the instalment plan — asked within the sollecito's 15 days, at most 24 monthly rate of
at least 50 €, costs included, interest at the Tesoriere rate beyond 12 rate.

Conventions (DESIGN.md, "Instalments"):
- The amount to spread is the residual plus the costs already charged (Art. 7 c. 4).
- Up to 12 rate: equal rate rounded to the cent, the last takes the difference, no interest.
- More than 12: French amortisation over the whole plan at the Tesoriere rate / 12 per month,
  each month's interest rounded half-up, the last rata settles the rest (Art. 7 c. 5).
- A request beyond 24 rate or with a rata under 50 € is granted with the largest number of
  rate (≤ requested, ≤ 24) whose rata reaches 50 €; under 2 such rate it is rejected.
- A request later than 15 days from the sollecito's delivery is rejected (Art. 7 c. 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from corrispondenza.config.schema import Regole
from corrispondenza.dominio.euro import ZERO, arrotonda, formatta_euro
from corrispondenza.regole.esito import Motivo
from corrispondenza.regole.tempo import aggiungi_mesi, decorso, scadenza_termine

CENTO = Decimal(100)


@dataclass(frozen=True)
class Rata:
    numero: int
    scadenza: date
    capitale: Decimal
    interessi: Decimal

    @property
    def importo(self) -> Decimal:
        return self.capitale + self.interessi


@dataclass(frozen=True)
class EsitoRichiesta:
    """Granted with the plan (``rate``), or rejected with the reasons the letter must state."""

    accolta: bool
    rate: tuple[Rata, ...]
    motivi: tuple[Motivo, ...]

    @property
    def totale(self) -> Decimal:
        return sum((r.importo for r in self.rate), ZERO)


def valuta_richiesta(
    importo: Decimal,
    rate_richieste: int,
    richiesta: date,
    consegna_sollecito: date,
    prima_scadenza: date,
    tasso_tesoriere: Decimal,
    regole: Regole,
) -> EsitoRichiesta:
    """Art. 7 c. 1–2, 5–6: grant the plan the Regolamento allows, or reject it with its reasons."""
    termine = regole.sollecito.termine_giorni
    if decorso(consegna_sollecito, termine, richiesta):
        scadenza = scadenza_termine(consegna_sollecito, termine)
        testo = (
            f"richiesta del {richiesta:%d/%m/%Y} oltre il termine di {termine} giorni "
            f"scaduto il {scadenza:%d/%m/%Y}"
        )
        return EsitoRichiesta(False, (), (Motivo("7.1", testo),))
    concedibili = _numero_di_rate(importo, rate_richieste, tasso_tesoriere, regole)
    if concedibili < 2:
        minima = formatta_euro(regole.rateizzazione.rata_minima)
        testo = f"importo di {formatta_euro(importo)} troppo basso per almeno due rate da {minima}"
        return EsitoRichiesta(False, (), (Motivo("7.2", testo),))
    rate = piano(importo, concedibili, prima_scadenza, tasso_tesoriere, regole)
    motivi = [Motivo("7.2", f"rateizzazione in {concedibili} rate mensili")]
    if concedibili < rate_richieste:
        motivi.append(
            Motivo(
                "7.2",
                f"richieste {rate_richieste} rate: concesse {concedibili}, il massimo con rate "
                f"di almeno {formatta_euro(regole.rateizzazione.rata_minima)} "
                f"entro {regole.rateizzazione.rate_massime}",
            )
        )
    soglia = regole.rateizzazione.rate_senza_interessi
    if concedibili > soglia:
        testo = f"oltre {soglia} rate: interessi al tasso del Tesoriere ({tasso_tesoriere} %)"
        motivi.append(Motivo("7.5", testo))
    return EsitoRichiesta(True, rate, tuple(motivi))


def _numero_di_rate(importo: Decimal, richieste: int, tasso: Decimal, regole: Regole) -> int:
    """The largest number of rate (≤ requested, ≤ maximum) whose rata reaches the minimum."""
    for n in range(min(richieste, regole.rateizzazione.rate_massime), 0, -1):
        if _rata(importo, n, tasso, regole) >= regole.rateizzazione.rata_minima:
            return n
    return 0


def piano(importo: Decimal, n: int, prima_scadenza: date, tasso: Decimal, regole: Regole) -> tuple[Rata, ...]:
    """The schedule: monthly due dates from ``prima_scadenza``, the last rata settling the rest."""
    mensile = tasso / CENTO / 12 if n > regole.rateizzazione.rate_senza_interessi else ZERO
    rata = _rata(importo, n, tasso, regole)
    residuo, rate = importo, []
    for numero in range(1, n + 1):
        interessi = arrotonda(residuo * mensile)
        capitale = residuo if numero == n else rata - interessi
        rate.append(Rata(numero, aggiungi_mesi(prima_scadenza, numero - 1), capitale, interessi))
        residuo -= capitale
    return tuple(rate)


def _rata(importo: Decimal, n: int, tasso: Decimal, regole: Regole) -> Decimal:
    """Equal rate without interest up to the threshold; the French annuity beyond it."""
    if n <= regole.rateizzazione.rate_senza_interessi or tasso == 0:
        return arrotonda(importo / n)
    mensile = tasso / CENTO / 12
    return arrotonda(importo * mensile / (1 - (1 + mensile) ** -n))
