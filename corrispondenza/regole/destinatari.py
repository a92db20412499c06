"""Art. 6 c. 8: who receives the letter — the debtor, a minor's parent or guardian, each heir.

Heirs owe their share only (art. 752 c.c.): the amount is split by quota to the cent with the
largest-remainder method, ties in list order, so the parts always sum exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from corrispondenza.dominio.euro import CENTESIMO, arrotonda
from corrispondenza.dominio.pratica import Persona, Pratica
from corrispondenza.regole.esito import Ruolo


@dataclass(frozen=True, slots=True)
class Destinatario:
    persona: Persona
    ruolo: Ruolo
    quota: Fraction = Fraction(1)


def rappresentante(pratica: Pratica) -> Destinatario | None:
    """A minor's letter goes to one representative: the tutore if any, else a parent (PEC first).

    One letter, not one per parent: it keeps the postage charged to the family single and the
    Art. 8 c. 4 enrolment on one person; the order is deterministic (tutore, PEC, codice fiscale).
    """
    if not pratica.rappresentanti:
        return None
    scelto = min(
        pratica.rappresentanti,
        key=lambda r: (r.relazione != Ruolo.TUTORE, r.persona.pec is None, r.persona.codice_fiscale),
    )
    return Destinatario(scelto.persona, Ruolo(scelto.relazione))


def eredi(pratica: Pratica) -> list[Destinatario]:
    return [Destinatario(e.persona, Ruolo.EREDE, e.quota) for e in pratica.eredi if e.quota > 0]


def ripartisci(importo: Decimal, quote: list[Fraction]) -> list[Decimal]:
    """Split ``importo`` by ``quote`` to the cent; the parts sum to ``importo × Σ quote`` rounded.

    Largest remainder: each part is first rounded down to the cent, then the missing cents go,
    one each, to the largest remainders (ties to the first in the list).
    """
    centesimi = int(importo / CENTESIMO)
    esatte = [centesimi * q for q in quote]
    parti = [int(x) for x in esatte]  # floor: every part is non-negative
    quota_totale = sum(quote, Fraction(0))
    da_assegnare = int(arrotonda(importo * quota_totale.numerator / quota_totale.denominator) / CENTESIMO)
    per_resto = sorted(range(len(quote)), key=lambda i: (-(esatte[i] - parti[i]), i))
    for i in per_resto[: da_assegnare - sum(parti)]:
        parti[i] += 1
    return [Decimal(c) * CENTESIMO for c in parti]
