"""Codice fiscale and partita IVA: check characters and the birth date inside.

The check characters are the ones python-stdnum computes (``stdnum.it.codicefiscale`` and
``stdnum.it.iva``); for the common case, an already-normalised ASCII code, they are computed
here from precomputed tables, because stdnum's generic cleaning and per-character lookups
dominate the cost of importing 100 000 rows (bench/importazione.py). Anything unusual (non-ASCII
digits, for instance) still goes through stdnum; tests/importa/test_codice_fiscale_veloce.py
checks that both give the same answer.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from stdnum.it import iva

_CIFRA = "0-9LMNPQRSTUV"  # omocodia replaces digits with these letters
_FORMATO = re.compile(rf"^[A-Z]{{6}}[{_CIFRA}]{{2}}[ABCDEHLMPRST][{_CIFRA}]{{2}}[A-Z][{_CIFRA}]{{3}}[A-Z]$")
_VALORE_CIFRA = {**{str(i): i for i in range(10)}, **{c: i for i, c in enumerate("LMNPQRSTUV")}}
_MESI = {c: i + 1 for i, c in enumerate("ABCDEHLMPRST")}
_LETTERE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The values of the official algorithm (DM 23/12/1976): characters in odd places (1st, 3rd…)
# and in even places; digits count as the letter of the same rank (0 = A).
_DISPARI_VALORI = (
    1,
    0,
    5,
    7,
    9,
    13,
    15,
    17,
    19,
    21,
    2,
    4,
    18,
    20,
    11,
    3,
    6,
    8,
    12,
    14,
    16,
    10,
    22,
    25,
    24,
    23,
)
# As byte tables, so that ``bytes.translate`` and ``sum`` do the per-character work in C.
_DISPARI = bytearray(256)
_PARI = bytearray(256)
for _cifre in ("0123456789", _LETTERE):
    for _i, _c in enumerate(_cifre):
        _DISPARI[ord(_c)] = _DISPARI_VALORI[_i]
        _PARI[ord(_c)] = _i
_UFFICI_IVA = frozenset({f"{n:03d}" for n in range(1, 101)} | {"120", "121", "888", "999"})


def carattere_di_controllo(primi15: str) -> str:
    """The 16th character of a personal code from the first 15 (as stdnum's ``calc_check_digit``).

    ``primi15`` holds only digits and capital letters (the format is checked before)."""
    b = primi15.encode("ascii")
    return _LETTERE[(sum(b[0:15:2].translate(_DISPARI)) + sum(b[1:15:2].translate(_PARI))) % 26]


def gia_valido(cf: str) -> bool:
    """True if ``cf`` is a valid code already in its normal form, that is if
    ``valida_codice_fiscale(cf)`` would return it unchanged; False means: ask ``valida_codice_fiscale``."""
    if len(cf) == 16:
        return (
            _FORMATO.match(cf) is not None and carattere_di_controllo(cf) == cf[15] and _data_esiste(cf[6:11])
        )
    return len(cf) == 11 and cf.isdigit() and partita_iva_valida(cf)


@lru_cache(maxsize=65536)
def _data_esiste(anno_mese_giorno: str) -> bool:
    """The date characters of a code (positions 7 to 11) name a day that exists."""
    try:
        _giorno_mese_anno("______" + anno_mese_giorno)
    except ValueError:
        return False
    return True


def partita_iva_valida(numero: str) -> bool:
    """An 11-digit number: not all zeros in the first 7, a known office code, Luhn check digit."""
    if not (len(numero) == 11 and numero.isascii() and numero.isdigit()):
        return iva.is_valid(numero)
    if numero[:7] == "0000000" or numero[7:10] not in _UFFICI_IVA:
        return False
    cifre = [ord(c) - 48 for c in numero]
    doppie = sum(d * 2 - 9 if d > 4 else d * 2 for d in cifre[-2::-2])
    return (sum(cifre[-1::-2]) + doppie) % 10 == 0


def valida_codice_fiscale(codice: str) -> str:
    """A person's 16-character code or an entity's 11 digits; ``ValueError`` says what is wrong."""
    cf = codice.strip().upper().replace(" ", "")
    if len(cf) == 11 and cf.isdigit():
        if not partita_iva_valida(cf):
            raise ValueError("codice fiscale/partita IVA non valido (cifra di controllo errata)")
        return cf
    if len(cf) != 16:
        raise ValueError("codice fiscale non valido: attesi 16 caratteri (persona) o 11 cifre (ente)")
    if not _FORMATO.match(cf):
        raise ValueError("codice fiscale non valido: caratteri non ammessi nelle posizioni previste")
    if carattere_di_controllo(cf) != cf[15]:
        raise ValueError("codice fiscale non valido (carattere di controllo errato)")
    try:
        _giorno_mese_anno(cf)
    except ValueError:
        raise ValueError("codice fiscale non valido: la data di nascita codificata non esiste") from None
    return cf


def _giorno_mese_anno(cf: str) -> tuple[int, int, int]:
    giorno = (_VALORE_CIFRA[cf[9]] * 10 + _VALORE_CIFRA[cf[10]]) % 40
    mese = _MESI[cf[8]]
    anno = _VALORE_CIFRA[cf[6]] * 10 + _VALORE_CIFRA[cf[7]]
    date(2000 + anno, mese, giorno)  # raises if the day does not exist (29/02 is checked loosely)
    return giorno, mese, anno


def data_di_nascita(cf: str, oggi: date) -> date | None:
    """The birth date a valid personal code encodes; the century is the latest not after ``oggi``.

    ``None`` for an entity's numeric code. Two-digit years make persons over 100 ambiguous:
    the column ``data_nascita``, when given, wins over this.
    """
    if len(cf) != 16:
        return None
    giorno, mese, anno = _giorno_mese_anno(cf)
    secolo = oggi.year // 100 * 100
    for anno_pieno in (secolo + anno, secolo - 100 + anno):
        try:
            candidata = date(anno_pieno, mese, giorno)
        except ValueError:
            continue
        if candidata <= oggi:
            return candidata
    return None
