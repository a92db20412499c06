"""Column-wise validation: the fast path of the big imports (soggetti, crediti).

Validating 100 000 rows cell by cell through ``Riga.campo`` costs more than writing them
(bench/importazione.py). An export repeats the same few hundred dates, amounts and codes in
every column, so here each column is read once, each *distinct* value goes through the very
same field reader the row-by-row path uses, and the rows get their results by lookup.

The fast path never reports anything itself: a row with any doubtful cell is marked and goes
through the importer's ordinary ``valida``, which reports every problem of the row with its
usual message, row and column. So the fast path only has to recognise rows that are entirely
correct and build for them the record ``valida`` would have built
(tests/importa/test_colonnare.py compares the two on good and bad files).

It only applies when every cell of the used columns is text or empty (CSV files, text cells
of XLSX and JSON); otherwise ``Colonne.da`` returns ``None`` and every row is validated alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import repeat
from typing import Any, overload

from corrispondenza.importa.campi import DATA_MINIMA, Riga, leggi_data, leggi_positivo

SCARTO: Any = object()
"""The result of a cell that is not valid (or not certainly so): its row goes the slow way."""

_TESTUALI = frozenset({str, type(None)})
_IMPORTO_SEMPLICE = re.compile(r"[0-9]{1,8},[0-9]{2}")


class Colonne:
    """The standard columns of a file's rows, each as the list of its cells.

    A cell counts trimmed, and empty text as ``None``, as ``Riga.valore`` has it; a column read
    value by value (``lette``) does that once per distinct value, the others once per cell,
    the first time they are asked for (``grezza``).
    """

    def __init__(self, n: int, colonne: dict[str, Sequence[str | None]]) -> None:
        self.n = n
        self._grezze = colonne
        self._pulite: dict[str, list[str | None]] = {}
        self.sospette: set[int] = set()
        """Rows (by position) that the ordinary ``valida`` must see."""

    @classmethod
    def da(cls, righe: list[Riga], nomi: Iterable[str]) -> Colonne | None:
        """The columns ``nomi`` of ``righe``; ``None`` if some cell is not text (or rows differ)."""
        if not righe or any(r.indici is not righe[0].indici for r in righe):
            return None
        indici = righe[0].indici
        valori = [r.valori for r in righe]
        larghezza = max(indici.values(), default=-1) + 1
        if min(map(len, valori)) < larghezza:  # short rows of a CSV: the missing cells are empty
            valori = [v if len(v) >= larghezza else [*v, *[None] * (larghezza - len(v))] for v in valori]
        trasposte = list(zip(*valori, strict=False))
        colonne: dict[str, Sequence[str | None]] = {}
        for nome in nomi:
            if nome in indici:
                colonna = colonne[nome] = trasposte[indici[nome]]
                if not set(map(type, colonna)) <= _TESTUALI:
                    return None
        return cls(len(righe), colonne)

    def grezza(self, nome: str) -> Sequence[str | None]:
        """The cells as they count: trimmed text, ``None`` for an empty cell or a missing column."""
        if nome not in self._pulite:
            colonna = self._grezze.get(nome)
            self._pulite[nome] = (
                [None] * self.n
                if colonna is None
                else [v if v is None else (v.strip() or None) for v in colonna]
            )
        return self._pulite[nome]

    def lette(self, nome: str, lettore: Callable[[str], Any], *, obbligatorio: bool = False) -> list[Any]:
        """Each cell through ``lettore`` (once per distinct value); ``SCARTO`` where it fails.

        An empty cell is ``None``, or ``SCARTO`` if the column is required, as in ``Riga.campo``.
        """
        colonna = self._grezze.get(nome)
        if colonna is None:
            colonna = [None] * self.n
        vuota = SCARTO if obbligatorio else None
        esiti: dict[str | None, Any] = {}
        for grezzo in set(colonna):
            valore = grezzo and grezzo.strip()
            if not valore:
                esiti[grezzo] = vuota
                continue
            try:
                esiti[grezzo] = lettore(valore)
            except ValueError:
                esiti[grezzo] = SCARTO
        risultati = list(map(esiti.__getitem__, colonna))
        if any(e is SCARTO for e in esiti.values()):
            self.sospette.update(i for i, r in enumerate(risultati) if r is SCARTO)
        return risultati

    def cercate(self, nome: str, chiave: Callable[[str], str], trovati: dict[str, Any]) -> list[Any]:
        """``trovati[chiave(cella)]`` per row; ``SCARTO`` where the cell is empty or not found."""
        colonna = self.grezza(nome)
        if None in colonna:
            self.sospette.update(i for i, v in enumerate(colonna) if v is None)
            colonna = ["" if v is None else v for v in colonna]
        risultati = list(map(trovati.get, map(chiave, colonna), repeat(SCARTO)))
        if SCARTO in risultati:
            self.sospette.update(i for i, r in enumerate(risultati) if r is SCARTO)
        return risultati

    def testo(self, nome: str, massimo: int) -> Sequence[str | None]:
        """Free text kept as written: longer than ``massimo`` is a problem (``Riga.testo_libero``)."""
        colonna = self.grezza(nome)
        if max(map(len, filter(None, colonna)), default=0) > massimo:
            self.sospette.update(i for i, v in enumerate(colonna) if v is not None and len(v) > massimo)
        return colonna

    def segna(self, condizione: Iterable[bool]) -> None:
        """Mark the rows where ``condizione`` (one boolean per row) is true."""
        self.sospette.update(i for i, c in enumerate(condizione) if c)

    def records(self, chiavi: tuple[str, ...], colonne: list[list[Any]]) -> Record:
        """One record per row from the columns, ``None`` for the rows marked as doubtful."""
        if len(chiavi) != len(colonne) or any(len(c) != self.n for c in colonne):
            raise ValueError("colonne e nomi non corrispondono")  # a bug of the importer, not of the file
        return Record(chiavi, colonne, frozenset(self.sospette))


class Record(Sequence[dict[str, Any] | None]):
    """The records of a file's rows, kept as columns: each row's dict is made when it is read.

    Whoever needs the rows only as columns (``importa/flusso.py``: all new, none doubtful, on
    their way to one insert) takes ``colonne`` as they are and no dict is ever made.
    """

    def __init__(self, chiavi: tuple[str, ...], colonne: list[list[Any]], sospette: frozenset[int]) -> None:
        self.chiavi = chiavi
        self.colonne = colonne
        self.sospette = sospette
        """Rows whose record is ``None``: the ordinary ``valida`` must see them."""

    def __len__(self) -> int:
        return len(self.colonne[0]) if self.colonne else 0

    @overload
    def __getitem__(self, indice: int) -> dict[str, Any] | None: ...
    @overload
    def __getitem__(self, indice: slice) -> list[dict[str, Any] | None]: ...
    def __getitem__(self, indice: int | slice) -> Any:
        if isinstance(indice, slice):
            return list(self)[indice]
        indice = range(len(self))[indice]  # negative indices, and IndexError, as a list has them
        if indice in self.sospette:
            return None
        return dict(zip(self.chiavi, (c[indice] for c in self.colonne), strict=True))

    def __iter__(self) -> Iterator[dict[str, Any] | None]:
        records = map(dict, map(partial(zip, self.chiavi), zip(*self.colonne, strict=True)))
        if not self.sospette:
            return records
        return (None if i in self.sospette else r for i, r in enumerate(records))


def importo_positivo(valore: str) -> Decimal:
    """``leggi_positivo``, with a shortcut for the common ``1234,56`` (up to 8 digits, 2 decimals)."""
    if _IMPORTO_SEMPLICE.fullmatch(valore):
        importo = Decimal(valore.replace(",", "."))
        if importo > 0:
            return importo
    return leggi_positivo(valore)


def data_non_futura(oggi: date) -> Callable[[str], date]:
    """The reader behind ``Riga.data_non_futura``: a date between 01/01/1900 and ``oggi``."""

    def leggi(valore: str) -> date:
        d = leggi_data(valore)
        if not DATA_MINIMA <= d <= oggi:
            raise ValueError("data non plausibile")
        return d

    return leggi
