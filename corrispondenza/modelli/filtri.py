"""Italian formatting for letters: ``euro``, ``data``, ``in_lettere`` (DESIGN.md, Templates).

Pure functions, registered as Jinja filters by ``modelli.ambiente``. Amounts are Decimal and
stay Decimal: a float would print 0.1 + 0.2 as 0,30000000000000004 in a legal document.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from corrispondenza.dominio.euro import arrotonda

MESI = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)

_UNITA = (
    "zero",
    "uno",
    "due",
    "tre",
    "quattro",
    "cinque",
    "sei",
    "sette",
    "otto",
    "nove",
    "dieci",
    "undici",
    "dodici",
    "tredici",
    "quattordici",
    "quindici",
    "sedici",
    "diciassette",
    "diciotto",
    "diciannove",
)
_DECINE = ["_", "_", "venti", "trenta", "quaranta", "cinquanta", "sessanta", "settanta", "ottanta", "novanta"]


def _importo(valore: object, filtro: str) -> Decimal:
    if isinstance(valore, bool) or not isinstance(valore, (Decimal, int)):
        raise TypeError(f"il filtro «{filtro}» si applica a un importo, non a «{valore!r}»")
    return arrotonda(Decimal(valore))


def euro(valore: object, simbolo: bool = True) -> str:
    """``Decimal("1234.5")`` → ``1.234,50 €``: dot for thousands, comma for decimals."""
    importo = _importo(valore, "euro")
    segno = "-" if importo < 0 else ""
    interi, decimali = f"{abs(importo):.2f}".split(".")
    gruppi = []
    while len(interi) > 3:
        gruppi.insert(0, interi[-3:])
        interi = interi[:-3]
    gruppi.insert(0, interi)
    testo = f"{segno}{'.'.join(gruppi)},{decimali}"
    return f"{testo} €" if simbolo else testo


def data(valore: object, formato: str = "esteso") -> str:
    """``date(2026, 11, 3)`` → ``3 novembre 2026`` (``breve``: ``03/11/2026``)."""
    if isinstance(valore, datetime):
        valore = valore.date()
    if not isinstance(valore, date):
        raise TypeError(f"il filtro «data» si applica a una data, non a «{valore!r}»")
    if formato == "breve":
        return f"{valore:%d/%m/%Y}"
    if formato != "esteso":
        raise ValueError(f"formato di data sconosciuto «{formato}» (ammessi: esteso, breve)")
    giorno = "1°" if valore.day == 1 else str(valore.day)
    return f"{giorno} {MESI[valore.month - 1]} {valore.year}"


def in_lettere(valore: object) -> str:
    """An amount in words as Italian legal documents write it: ``milleduecentotrentaquattro/56``.

    The cents stay in figures after the slash, the form used on cheques and in public deeds.
    """
    importo = _importo(valore, "in_lettere")
    if importo < 0:
        raise ValueError("il filtro «in_lettere» non si applica a importi negativi")
    interi = int(importo)
    centesimi = int((importo - interi) * 100)
    return f"{numero_in_lettere(interi)}/{centesimi:02d}"


def numero_in_lettere(n: int) -> str:
    """A whole number in Italian words, up to 999 999 999 999 (``ventitré``, ``duemilauno``)."""
    if n < 0 or n >= 10**12:
        raise ValueError(f"numero fuori dall'intervallo ammesso: {n}")
    if n == 0:
        return "zero"
    parti = []
    miliardi, resto = divmod(n, 10**9)
    milioni, resto = divmod(resto, 10**6)
    migliaia, unita = divmod(resto, 1000)
    for quanti, singolare, plurale in (
        (miliardi, "unmiliardo", "miliardi"),
        (milioni, "unmilione", "milioni"),
    ):
        if quanti == 1:
            parti.append(singolare)
        elif quanti > 1:
            parti.append(_fino_a_mille(quanti) + plurale)
    if migliaia == 1:
        parti.append("mille")
    elif migliaia > 1:
        parti.append(_fino_a_mille(migliaia) + "mila")
    if unita:
        parti.append(_fino_a_mille(unita))
    testo = "".join(parti)
    return testo[:-3] + "tré" if testo.endswith("tre") and n > 3 else testo


def _fino_a_mille(n: int) -> str:
    centinaia, resto = divmod(n, 100)
    testo = ""
    if centinaia:
        testo = "cento" if centinaia == 1 else _UNITA[centinaia] + "cento"
    if resto < 20:
        return testo + (_UNITA[resto] if resto else "")
    decine, unita = divmod(resto, 10)
    parola = _DECINE[decine]
    if unita in (1, 8):  # ventuno, ventotto: the tens lose their final vowel
        parola = parola[:-1]
    if testo and decine == 8:  # centottanta
        testo = testo[:-1]
    return testo + parola + (_UNITA[unita] if unita else "")
