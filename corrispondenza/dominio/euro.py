"""Money: ``decimal.Decimal`` rounded half-up to the cent, never float (DESIGN.md, Money).

Parsing accepts what Italian accounting exports write (``1.234,56``, ``12,5``) and what
machines write (``1234.56``); formatting is Italian and happens only at the edges.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

CENTESIMO = Decimal("0.01")
ZERO = Decimal("0.00")

_MIGLIAIA_PUNTO = re.compile(r"^\d{1,3}(\.\d{3})+(,\d*)?$")
_MIGLIAIA_VIRGOLA = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def arrotonda(importo: Decimal) -> Decimal:
    """Half-up to the cent, the rounding every amount of the project uses."""
    return importo.quantize(CENTESIMO, rounding=ROUND_HALF_UP)


def leggi_importo(testo: str | int | float | Decimal) -> Decimal:
    """Read an amount as written in a file; raise ``ValueError`` with an Italian reason.

    Rejects more than two decimals instead of rounding: an amount with three decimals in an
    accounting export is a sign of a wrong column or a wrong separator, not something to guess.
    A float (as openpyxl returns for XLSX cells) is read through its shortest repr.
    """
    if isinstance(testo, bool):
        raise ValueError("atteso un importo, trovato un valore vero/falso")
    if isinstance(testo, float):
        testo = repr(testo)
    return _importo_da_testo(str(testo))


@lru_cache(maxsize=8192)
def _importo_da_testo(testo: str) -> Decimal:
    """Amounts repeat in exports (every ticket of 36,15 €): each text is parsed once."""
    valore = _normalizza(str(testo).strip().replace("€", "").replace(" ", "").replace("\u00a0", ""))
    try:
        importo = Decimal(valore)
    except InvalidOperation:
        raise ValueError("non è un importo (esempi validi: 1234,56 oppure 1.234,56)") from None
    if not importo.is_finite():
        raise ValueError("non è un importo (esempi validi: 1234,56 oppure 1.234,56)")
    if importo.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("ha più di due decimali")
    return importo.quantize(CENTESIMO)


def _normalizza(testo: str) -> str:
    """Turn Italian or English separators into a plain ``1234.56``."""
    if "," in testo and "." in testo:
        if _MIGLIAIA_PUNTO.match(testo.lstrip("-")):
            return testo.replace(".", "").replace(",", ".")
        if _MIGLIAIA_VIRGOLA.match(testo.lstrip("-")):
            return testo.replace(",", "")
        return "x"
    if testo.count(".") > 1:
        return testo.replace(".", "") if _MIGLIAIA_PUNTO.match(testo.lstrip("-")) else "x"
    if testo.count(",") > 1:
        return "x"
    return testo.replace(",", ".")


def formatta_euro(importo: Decimal) -> str:
    """``Decimal("1234.5")`` → ``"1.234,50 €"``: the Italian form, for people only."""
    arrotondato = arrotonda(importo)
    testo = f"{abs(arrotondato):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    segno = "-" if arrotondato < 0 else ""
    return f"{segno}{testo} €"


def in_json(importo: Decimal) -> str:
    """Amounts in ``--json`` output are strings with a dot and two decimals (README)."""
    return f"{arrotonda(importo):.2f}"
