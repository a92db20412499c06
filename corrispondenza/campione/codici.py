"""Codice fiscale and partita IVA computation.

The sample must pass the same validation the importer applies to real data, so the codes
are computed by the official algorithms rather than drawn at random. Implemented here
(not delegated to python-stdnum) so that the generator has no runtime dependency; the tests
check every code against stdnum.
"""

from __future__ import annotations

import datetime
import unicodedata
from functools import lru_cache

_MESI = "ABCDEHLMPRST"
_VOCALI = frozenset("AEIOU")
_ALFABETO = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DISPARI = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)


# Character values at odd and even (1-based) positions of the check computation.
_VALORI_DISPARI = {c: _DISPARI[i] for i, c in enumerate("0123456789")} | {
    c: _DISPARI[i] for i, c in enumerate(_ALFABETO)
}
_VALORI_PARI = {c: i for i, c in enumerate("0123456789")} | {c: i for i, c in enumerate(_ALFABETO)}


@lru_cache(maxsize=8192)
def lettere(testo: str) -> str:
    """Upper-case A-Z letters of a name: accents folded, apostrophes and spaces dropped.

    Cached, like the name codes below: names come from a small table.

    "D'Angelo" -> "DANGELO", "Niccolò" -> "NICCOLO", as the Agenzia delle Entrate does.
    """
    piatto = unicodedata.normalize("NFKD", testo).encode("ascii", "ignore").decode()
    return "".join(c for c in piatto.upper() if "A" <= c <= "Z")


def _consonanti_vocali(testo: str) -> tuple[str, str]:
    """Split the letters of a name into consonants and vowels, keeping their order."""
    pulito = lettere(testo)
    consonanti = "".join(c for c in pulito if c not in _VOCALI)
    vocali = "".join(c for c in pulito if c in _VOCALI)
    return consonanti, vocali


@lru_cache(maxsize=4096)
def codice_cognome(cognome: str) -> str:
    """Three letters for the surname: consonants, then vowels, then X padding."""
    consonanti, vocali = _consonanti_vocali(cognome)
    return (consonanti + vocali + "XXX")[:3]


@lru_cache(maxsize=4096)
def codice_nome(nome: str) -> str:
    """Three letters for the first name; with 4+ consonants take the 1st, 3rd and 4th."""
    consonanti, vocali = _consonanti_vocali(nome)
    if len(consonanti) >= 4:
        return consonanti[0] + consonanti[2] + consonanti[3]
    return (consonanti + vocali + "XXX")[:3]


def carattere_controllo(primi15: str) -> str:
    """Check character over the first 15 characters of a personal codice fiscale."""
    totale = sum(map(_VALORI_DISPARI.__getitem__, primi15[0::2]))
    totale += sum(map(_VALORI_PARI.__getitem__, primi15[1::2]))
    return _ALFABETO[totale % 26]


def codice_fiscale(cognome: str, nome: str, nascita: datetime.date, femmina: bool, catastale: str) -> str:
    """The 16-character codice fiscale of a persona fisica (without omocodia)."""
    giorno = nascita.day + (40 if femmina else 0)
    primi15 = (
        codice_cognome(cognome)
        + codice_nome(nome)
        + f"{nascita.year % 100:02d}"
        + _MESI[nascita.month - 1]
        + f"{giorno:02d}"
        + catastale
    )
    return primi15 + carattere_controllo(primi15)


def cifra_luhn(dieci_cifre: str) -> str:
    """Luhn check digit to append to a 10-digit partita IVA payload."""
    totale = 0
    for i, cifra in enumerate(reversed(dieci_cifre)):
        valore = int(cifra)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            valore = valore * 2 - 9 if valore > 4 else valore * 2
        totale += valore
    return str((10 - totale % 10) % 10)


def partita_iva(progressivo: int, ufficio: str) -> str:
    """An 11-digit partita IVA: 7-digit progressive, 3-digit provincial office, check digit."""
    if not 1 <= progressivo <= 9_999_999:
        raise ValueError(f"progressivo fuori intervallo: {progressivo}")
    corpo = f"{progressivo:07d}{ufficio}"
    return corpo + cifra_luhn(corpo)
