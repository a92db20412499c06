"""Field readers: one raw cell in, one typed value out, or ``ValueError`` with an Italian reason.

``Riga`` wraps a row and collects the problems of all its cells, so a row with three mistakes
yields three messages (DESIGN.md, Bad input: all errors at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import TypeVar

from corrispondenza.dominio.codice_fiscale import valida_codice_fiscale
from corrispondenza.dominio.euro import leggi_importo
from corrispondenza.errors import Problema
from corrispondenza.importa.lettura import Valore

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_DATA_IT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATA_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
DATA_MINIMA = date(1900, 1, 1)


def testo(valore: Valore) -> str:
    """Any cell as trimmed text (numbers from Excel without a spurious ``.0``)."""
    if type(valore) is str:
        return valore.strip()
    if valore is None:
        return ""
    if isinstance(valore, float) and valore.is_integer():
        return str(int(valore))
    return str(valore).strip()


def leggi_data(valore: Valore) -> date:
    """``dd/mm/yyyy`` (also ``-`` or ``.``), ISO ``yyyy-mm-dd``, or an Excel date cell."""
    if isinstance(valore, datetime):
        return valore.date()
    if isinstance(valore, date):
        return valore
    return _data_da_testo(testo(valore))


@lru_cache(maxsize=65536)
def _data_da_testo(s: str) -> date:
    """Exports repeat the same dates thousands of times (birth dates: some tens of thousands): each
    is parsed once.

    Errors are not cached (``lru_cache`` does not keep exceptions), so every bad cell is reported.
    """
    trovata = _DATA_IT.match(s)
    giorno_mese_anno = trovata.groups() if trovata else None
    if giorno_mese_anno is None and (trovata := _DATA_ISO.match(s)):
        giorno_mese_anno = trovata.group(3, 2, 1)
    if giorno_mese_anno is None:
        raise ValueError("data non valida (formati ammessi: 31/12/2026 oppure 2026-12-31)")
    giorno, mese, anno = giorno_mese_anno
    try:
        return date(int(anno), int(mese), int(giorno))
    except ValueError:
        raise ValueError("data inesistente") from None


def leggi_codice_fiscale(valore: Valore) -> str:
    """A person's 16-character code or a company's 11 digits, check character verified."""
    return valida_codice_fiscale(testo(valore))


def _importo(valore: Valore) -> Decimal:
    """An amount below 100 million: more would not fit the store (cents in a BIGINT) nor make sense."""
    try:
        importo = leggi_importo(valore if valore is not None else "")
    except ArithmeticError:  # decimal.InvalidOperation: more digits than a Decimal holds ("1e30")
        raise ValueError("importo non plausibile (oltre 100 milioni)") from None
    if importo >= Decimal("100000000"):
        raise ValueError("importo non plausibile (oltre 100 milioni)")
    return importo


def leggi_positivo(valore: Valore) -> Decimal:
    """An amount strictly above zero, at most two decimals (Money: Decimal, never float)."""
    importo = _importo(valore)
    if importo <= 0:
        raise ValueError("l'importo deve essere maggiore di zero")
    return importo


def leggi_non_negativo(valore: Valore) -> Decimal:
    importo = _importo(valore)
    if importo < 0:
        raise ValueError("l'importo non può essere negativo")
    return importo


def leggi_quota(valore: Valore) -> Fraction:
    """An heir's share: ``1/3`` or a decimal (``0,5``); strictly between 0 and 1 included."""
    s = testo(valore).replace(",", ".")
    try:
        quota = Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise ValueError("quota non valida: scrivere una frazione (1/3) o un decimale (0,5)") from None
    if not 0 < quota <= 1:
        raise ValueError("la quota deve essere maggiore di 0 e al massimo 1")
    return quota


def leggi_email(valore: Valore) -> str:
    s = testo(valore)
    if not _EMAIL.match(s):
        raise ValueError("indirizzo e-mail non valido")
    if len(s) > 254:
        raise ValueError("indirizzo e-mail troppo lungo (massimo 254 caratteri)")
    return s.lower()


def leggi_cap(valore: Valore) -> str:
    s = testo(valore).zfill(5) if testo(valore).isdigit() else testo(valore)
    if not (len(s) == 5 and s.isdigit()):
        raise ValueError("CAP non valido: attese 5 cifre")
    return s


def leggi_provincia(valore: Valore) -> str:
    s = testo(valore).upper()
    if not (len(s) == 2 and s.isalpha()):
        raise ValueError("provincia non valida: attesa la sigla di 2 lettere (es. BO; EE per l'estero)")
    return s


def leggi_enum(tipo: type[E]) -> Callable[[Valore], E]:
    ammessi = ", ".join(v.value for v in tipo)

    def leggi(valore: Valore) -> E:
        try:
            return tipo(testo(valore).lower())
        except ValueError:
            raise ValueError(f"valore non ammesso (ammessi: {ammessi})") from None

    return leggi


class Riga:
    """One data row being validated: typed access by standard column name, problems collected.

    ``valori`` are the row's cells as read; a cell is trimmed, and empty text is ``None``, when
    it is looked at (``valore``), so that a row nobody looks at cell by cell (the column-wise
    path, ``colonnare.py``) costs nothing. ``indici`` and ``colonne`` are shared by all the rows
    of a file.
    """

    __slots__ = ("colonne", "file", "indici", "numero", "problemi", "valori")

    def __init__(
        self,
        file: str,
        numero: int,
        valori: list[Valore],
        indici: dict[str, int],
        colonne: dict[str, str],
    ):
        self.file = file
        self.numero = numero
        self.valori = valori
        self.indici = indici  # standard name → position in ``valori``
        self.colonne = colonne  # standard name → name as written in the file
        self.problemi: list[Problema] = []

    def valore(self, nome: str) -> Valore:
        """The cell: text trimmed, ``None`` for an empty or missing one (a short row of a CSV)."""
        indice = self.indici.get(nome)
        if indice is None or indice >= len(self.valori):
            return None
        valore = self.valori[indice]
        return (valore.strip() or None) if type(valore) is str else valore

    def grezzo(self, nome: str) -> str:
        return testo(self.valore(nome))

    def campo(self, nome: str, lettore: Callable[[Valore], T], *, obbligatorio: bool = False) -> T | None:
        """The typed value of a column; ``None`` if empty (a problem if required)."""
        valore = self.valore(nome)
        if valore is None:
            if obbligatorio:
                self.errore(nome, "valore obbligatorio mancante")
            return None
        try:
            return lettore(valore)
        except ValueError as exc:
            self.errore(nome, str(exc))
            return None

    def errore(self, nome: str | None, motivo: str) -> None:
        colonna = self.colonne.get(nome, nome) if nome else None
        valore = self.grezzo(nome) if nome else None
        self.problemi.append(
            Problema(motivo, file=self.file, riga=self.numero, colonna=colonna, valore=valore)
        )

    def testo_libero(self, nome: str, massimo: int) -> str | None:
        """Text kept as written (``None`` if empty); longer than its column is an error, never cut."""
        s = self.grezzo(nome)
        if len(s) > massimo:
            self.errore(nome, f"testo troppo lungo (massimo {massimo} caratteri)")
        return s or None

    def data_non_futura(self, nome: str, oggi: date, *, obbligatorio: bool = False) -> date | None:
        """A past date: a document, a payment or a death cannot be in the future."""
        d = self.campo(nome, leggi_data, obbligatorio=obbligatorio)
        if d is not None and not DATA_MINIMA <= d <= oggi:
            self.errore(nome, f"data non plausibile: deve essere tra il 01/01/1900 e oggi ({oggi:%d/%m/%Y})")
            return None
        return d

    @property
    def valida(self) -> bool:
        return not self.problemi
