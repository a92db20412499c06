"""Reading import files (CSV, XLSX, JSON) into rows of raw values, with spreadsheet row numbers.

Accounting exports arrive in every shape: UTF-8 or Windows-1252, with or without BOM, ``;`` or
``,``, Excel files. This module only reads; it decides nothing about the content, except that
a file it cannot read honestly (binary garbage, formulas instead of values) is refused with
the reason, never guessed at.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from corrispondenza.errors import DatiNonValidiError, Problema

Valore = str | Decimal | int | float | date | datetime | bool | None

_SEPARATORI = (";", ",", "\t")  # "|" is not a CSV of ours: refused, with the hint on the separator


@dataclass
class Tabella:
    """The header (as written in the file) and the data rows, numbered as a spreadsheet does."""

    nome_file: str
    intestazione: list[str]
    righe: list[tuple[int, list[Valore]]]
    separatore: str | None = None
    formule: dict[tuple[int, int], str] = field(default_factory=dict)
    """Cells holding a formula, by (row, column index): refused where the column is used."""

    @property
    def vuota(self) -> bool:
        """No data rows: the header only."""
        return not self.righe


class CsvGrande:
    """A big CSV file whose data rows are parsed part by part, by whoever validates each part
    (``importa/flusso.py``), or all at once when ``righe`` is first asked for.

    Only a file that starts with a plain header line (no quotes) is read this way, so the data
    start right after its first newline. The parts are cut after a newline, a guess at where a
    record ends: a cut inside a quoted cell makes the part before it end inside quotes, which
    the strict CSV reader refuses (``righe_tra`` raises ``csv.Error``); the caller then reads
    the file whole, the ordinary way.
    """

    formule: ClassVar[dict[tuple[int, int], str]] = {}  # a CSV holds values only

    def __init__(self, nome_file: str, testo: str, separatore: str, intestazione: list[str]) -> None:
        self.nome_file = nome_file
        self.testo = testo
        self.separatore = separatore
        self.intestazione = intestazione
        self.inizio = testo.index("\n") + 1
        self.quante = testo.count("\n", self.inizio) + (not testo.endswith("\n"))
        """Data lines (rows, unless quoted cells hold newlines or some lines are blank)."""

    @property
    def vuota(self) -> bool:
        return not self.testo[self.inizio :].strip()

    @functools.cached_property
    def righe(self) -> list[tuple[int, list[Valore]]]:
        """All the rows, read exactly as ``leggi_tabella`` reads any CSV."""
        return _leggi_csv(self.nome_file, self.testo).righe

    def parti(self, righe_per_parte: int, *, prime: Sequence[int] = ()) -> list[tuple[int, int]]:
        """Where to cut the text: about ``righe_per_parte`` lines each (the first ones ``prime``,
        if given), each cut after a newline."""
        media = (len(self.testo) - self.inizio) / max(self.quante, 1)
        dimensioni = iter(prime)
        parti = []
        inizio = self.inizio
        while inizio < len(self.testo):
            passo = max(1, int(media * next(dimensioni, righe_per_parte)))
            fine = self.testo.find("\n", min(inizio + passo, len(self.testo) - 1))
            fine = len(self.testo) if fine == -1 else fine + 1
            parti.append((inizio, fine))
            inizio = fine
        return parti

    def righe_tra(self, inizio: int, fine: int) -> list[tuple[int, list[Valore]]]:
        """The rows of one part, numbered within it: good for a clean pass, which reports nothing;
        anything else is read again whole, with the rows numbered as a spreadsheet does."""
        lettore = csv.reader(
            io.StringIO(self.testo[inizio:fine], newline=""), delimiter=self.separatore, strict=True
        )
        return [(numero, campi) for numero, campi in enumerate(lettore, start=1) if _ha_dati(campi)]


def leggi_tabella(percorso: Path, *, grande_a_parti: int | None = None) -> Tabella | CsvGrande:
    """Read ``percorso`` whatever its format; raise ``DatiNonValidiError`` if it is unreadable.

    With ``grande_a_parti``, a CSV with at least that many lines comes back as a ``CsvGrande``,
    its rows not yet parsed.
    """
    nome = percorso.name
    try:
        dati = percorso.read_bytes()
    except FileNotFoundError:
        raise _errore(nome, "file non trovato") from None
    except OSError as exc:
        raise _errore(nome, f"impossibile leggere il file ({exc.strerror})") from None
    if not dati.strip():
        raise _errore(nome, "il file è vuoto")
    tabella = _leggi(percorso, nome, dati, grande_a_parti)
    if not any(tabella.intestazione) and tabella.vuota:  # only a BOM, separators, [] or an empty sheet
        raise _errore(nome, "il file è vuoto")
    return tabella


def _leggi(percorso: Path, nome: str, dati: bytes, grande_a_parti: int | None) -> Tabella | CsvGrande:
    if dati.startswith(b"PK\x03\x04"):
        return _leggi_xlsx(nome, dati)
    testo = _decodifica(nome, dati)
    if percorso.suffix.lower() == ".json" or testo.lstrip()[:1] in ("[", "{"):
        return _leggi_json(nome, testo)
    if percorso.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise _errore(nome, "il file ha estensione Excel ma non è un file .xlsx valido")
    if grande_a_parti is not None and testo.count("\n") >= grande_a_parti:
        grande = _csv_grande(nome, testo)
        if grande is not None:
            return grande
    return _leggi_csv(nome, testo)


def _separatore(testo: str) -> str:
    """The one of ``;``, ``,`` and tab that the first line holds most of (``;`` if none)."""
    prima = testo.lstrip("\r\n").split("\n", 1)[0]
    separatore = max(_SEPARATORI, key=prima.count)
    return separatore if prima.count(separatore) else ";"


def _csv_grande(nome: str, testo: str) -> CsvGrande | None:
    """A ``CsvGrande`` if the text starts with a plain header line; else ``None`` (read it whole)."""
    prima, a_capo, _ = testo.partition("\n")
    if not a_capo or '"' in prima or not prima.strip("\r \t;,"):
        return None
    separatore = _separatore(testo)
    intestazione = next(csv.reader([prima.removesuffix("\r")], delimiter=separatore))
    return CsvGrande(nome, testo, separatore, [c.strip() for c in intestazione])


def _errore(nome: str, motivo: str, **dove: Any) -> DatiNonValidiError:
    return DatiNonValidiError(
        f"Il file {nome} non può essere importato:", [Problema(motivo, file=nome, **dove)]
    )


def _decodifica(nome: str, dati: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; refuse binary data."""
    if dati.startswith((b"\xff\xfe", b"\xfe\xff")):
        return dati.decode("utf-16")
    if b"\x00" in dati[:65536]:
        raise _errore(nome, "il file contiene dati binari: non è un CSV, un XLSX o un JSON")
    try:
        return dati.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        testo = dati.decode("cp1252")
    except UnicodeDecodeError:
        raise _errore(nome, "codifica dei caratteri non riconosciuta (attesa UTF-8 o Windows-1252)") from None
    controllo = sum(1 for c in testo[:65536] if ord(c) < 32 and c not in "\r\n\t")
    if controllo:
        raise _errore(nome, "il file contiene dati binari: non è un CSV, un XLSX o un JSON")
    return testo


def _ha_dati(campi: list[str]) -> bool:
    """A CSV record with some cell not blank: a blank line, or separators only, is skipped."""
    return bool(campi and campi[0].strip()) or any(c.strip() for c in campi)  # the first cell: cheap


def _leggi_csv(nome: str, testo: str) -> Tabella:
    separatore = _separatore(testo)
    # strict: an unclosed quote must stop the import, not swallow the rows after it into one cell
    lettore = csv.reader(io.StringIO(testo, newline=""), delimiter=separatore, strict=True)
    intestazione: list[str] | None = None
    righe: list[tuple[int, list[Valore]]] = []
    numero = numero_intestazione = 0
    try:
        for numero, campi in enumerate(lettore, start=1):
            if intestazione is None:
                if not any(c.strip() for c in campi):
                    continue
                intestazione = campi
                numero_intestazione = numero
                continue
            if _ha_dati(campi):
                righe.append((numero - numero_intestazione + 1, campi))
    except csv.Error:  # an unclosed quote: at the end of the file, or a cell over the csv field limit
        raise _errore(
            nome,
            'virgolette non chiuse o fuori posto: correggere il testo tra "..." e riprovare',
            riga=numero + 1 - max(numero_intestazione - 1, 0),
        ) from None
    return Tabella(nome, [c.strip() for c in intestazione or []], righe, separatore)


def _leggi_json(nome: str, testo: str) -> Tabella:
    """A JSON array of objects (or ``{"righe": [...]}``); element i is shown as row i + 2."""
    try:
        dati = json.loads(testo, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise _errore(nome, f"JSON non valido alla riga {exc.lineno}, colonna {exc.colno}") from None
    if isinstance(dati, dict) and isinstance(dati.get("righe"), list):
        dati = dati["righe"]
    if not isinstance(dati, list) or not all(isinstance(r, dict) for r in dati):
        raise _errore(nome, 'atteso un elenco di oggetti JSON: [{"colonna": valore, ...}, ...]')
    intestazione: list[str] = []
    for oggetto in dati:
        intestazione.extend(k for k in oggetto if k not in intestazione)
    righe = [(i + 2, [oggetto.get(k) for k in intestazione]) for i, oggetto in enumerate(dati)]
    return Tabella(nome, intestazione, righe)


def _leggi_xlsx(nome: str, dati: bytes) -> Tabella:
    """First sheet of an .xlsx; formulas are refused cell by cell (their value may be stale)."""
    from openpyxl import load_workbook

    try:
        libro = load_workbook(io.BytesIO(dati), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _errore(nome, f"file Excel non leggibile ({exc.__class__.__name__})") from None
    try:
        foglio = libro.worksheets[0]
        return _tabella_da_foglio(nome, foglio.iter_rows(values_only=True))
    finally:
        libro.close()


def _tabella_da_foglio(nome: str, righe_foglio: Iterator[tuple[Any, ...]]) -> Tabella:
    intestazione: list[str] | None = None
    righe: list[tuple[int, list[Valore]]] = []
    formule: dict[tuple[int, int], str] = {}
    for numero, valori in enumerate(righe_foglio, start=1):
        if intestazione is None:
            intestazione = [str(v).strip() if v is not None else "" for v in valori]
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in valori):
            continue
        for indice, v in enumerate(valori):
            if isinstance(v, str) and v.startswith("="):
                formule[(numero, indice)] = v
        righe.append((numero, list(valori)))
    return Tabella(nome, intestazione or [], righe, formule=formule)
