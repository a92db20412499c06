"""Opening the database: engine, SQLite pragmas, migrations to the latest version.

SQLite runs in WAL mode with foreign keys on (off by default in SQLite); PostgreSQL is used
as configured. Every open brings the schema to the latest Alembic revision, so a newer
version of the tool upgrades an older workspace by itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from itertools import repeat
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import JSON, Date, DateTime, Engine, create_engine, event, insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from corrispondenza.errors import StoreError
from corrispondenza.riservato import apri_riservato
from corrispondenza.store.tipi_colonna import Euro

MIGRAZIONI = Path(__file__).parent / "migrazioni"
T = TypeVar("T")


def apri(url: str, *, migra_subito: bool = True) -> Engine:
    """Create the engine for ``url`` and bring the schema up to date."""
    if url.startswith("sqlite:///"):
        _crea_file_riservato(Path(url.removeprefix("sqlite:///")))
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _pragma_sqlite)
        event.listen(engine, "begin", _inizia_sqlite)
    if migra_subito:
        migra(engine)
    return engine


def _valori_colonna(valori: Sequence[Any], processore: Any, tipo: Any) -> Sequence[Any]:
    """One column's values, converted column by column (much faster than row by row).

    Imports and lotti repeat the same dates and amounts thousands of times: where equal values
    certainly convert alike (dates, booleans; amounts in cents), each distinct value is
    converted once. Equal datetimes need not (another zone, another string on SQLite), but the
    very same object does: a batch's events all carry its ``Operazione.quando``.
    """
    if processore is None:
        return valori
    if valori and all(v is valori[0] for v in valori):  # one object in every row: one operation's instant
        return [None if valori[0] is None else processore(valori[0])] * len(valori)
    tipi = set(map(type, valori)) - {type(None)}
    if tipi <= {date, bool} or (tipi == {Decimal} and isinstance(tipo, Euro)):
        try:
            convertiti = {v: processore(v) for v in set(valori) if v is not None}
        except Exception:  # converted again one by one below: the first bad row fails, as always
            convertiti = None
        if convertiti is not None:
            return list(map(convertiti.get, valori))
    return [None if v is None else processore(v) for v in valori]


def _crea_file_riservato(percorso: Path) -> None:
    """A new SQLite file is created 0600: it holds health-related personal data (GDPR art. 9).

    SQLite gives its -wal and -shm files the permissions of the database file.
    """
    percorso.parent.mkdir(parents=True, exist_ok=True)
    if not percorso.exists():
        os.close(apri_riservato(percorso, tronca=False))


def _pragma_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # Python's sqlite3 does not open a transaction before DDL, so a failed migration would stay
    # half applied; with the driver's own handling off, every transaction starts with BEGIN
    # (``_inizia_sqlite``) and DDL rolls back like anything else (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None


def _inizia_sqlite(connessione: Any) -> None:
    """Every transaction that may write begins IMMEDIATE, taking the write lock at once.

    In WAL mode a deferred transaction that reads, then writes after another process has
    committed, fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT: its snapshot is
    stale, and the busy timeout does not apply); ``ricevute --segui`` runs beside every other
    command, so that would happen. IMMEDIATE waits its turn (busy_timeout) instead. Only a
    session opened ``sola_lettura`` begins deferred, never blocking nor blocked by a writer.
    """
    sola_lettura = connessione.get_execution_options().get("sola_lettura", False)
    connessione.exec_driver_sql("BEGIN" if sola_lettura else "BEGIN IMMEDIATE")


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRAZIONI))
    return config


def migra(engine: Engine, revisione: str = "head") -> None:
    """Apply the migrations up to ``revisione``; errors name the database, not the password."""
    config = alembic_config()
    try:
        with engine.connect() as connessione:
            sqlite = connessione.dialect.name == "sqlite"
            if sqlite:  # SQLite rebuilds altered tables: foreign keys are checked after, not during
                _chiavi_esterne(connessione, attive=False)
            try:
                with connessione.begin():
                    config.attributes["connection"] = connessione
                    command.upgrade(config, revisione)
                    if sqlite:
                        _verifica_chiavi_esterne(connessione)
            finally:
                if sqlite:
                    _chiavi_esterne(connessione, attive=True)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"Impossibile aprire o aggiornare il database ({engine.url.render_as_string()}): "
            f"{exc.__class__.__name__}",
            dettaglio=str(exc),
        ) from exc


def _chiavi_esterne(connessione: Any, *, attive: bool) -> None:
    """PRAGMA foreign_keys only takes effect outside a transaction: sent on the raw connection."""
    connessione.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if attive else 'OFF'}")


def _verifica_chiavi_esterne(connessione: Any) -> None:
    violazioni = connessione.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violazioni:
        raise StoreError(
            "La migrazione del database lascerebbe riferimenti non validi: annullata.",
            violazioni=[tuple(v) for v in violazioni[:20]],
        )


@contextmanager
def sessione(engine: Engine, *, sola_lettura: bool = False) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise.

    ``sola_lettura``: the block only reads (on SQLite it then neither waits for nor holds up
    a writer: ``_inizia_sqlite``).
    """
    legato = engine.execution_options(sola_lettura=True) if sola_lettura else engine
    fabbrica = sessionmaker(legato, expire_on_commit=False)
    with fabbrica() as s, s.begin():
        yield s


def righe_dal_driver(s: Session, sql: str, parametri: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
    """A big read of plain values (no conversions) straight from the driver, in the session's
    transaction: a ``Row`` per record costs SQLAlchemy more than the database spends on the
    query (75 000 codes: 0.16 s against 0.05 s). ``parametri`` are positional (``segnaposto``)."""
    cursore = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if parametri is None:
            cursore.execute(sql)
        else:
            cursore.execute(sql, tuple(parametri))
        return [tuple(r) for r in cursore.fetchall()]
    finally:
        cursore.close()


def a_blocchi(valori: Iterable[T], dimensione: int = 5000) -> Iterator[list[T]]:
    """Split long ``IN (...)`` lists: SQLite caps the number of bound parameters."""
    blocco: list[T] = []
    for valore in valori:
        blocco.append(valore)
        if len(blocco) == dimensione:
            yield blocco
            blocco = []
    if blocco:
        yield blocco


def inserisci(
    s: Session, tabella: type[Any], righe: list[dict[str, Any]], costanti: dict[str, Any] | None = None
) -> None:
    """One driver-level ``executemany`` for many rows: the hot path of every import.

    The ORM's bulk insert groups rows by which of their values are ``None`` and issues one
    statement per group (bench/importazione.py measured 9 000 statements for 17 000 rows);
    Core's executemany spends more time building parameter dicts than the database spends
    inserting. Here each column's own bind processor (``Euro`` → cents, dates on SQLite) is
    applied once per value, and the driver receives plain tuples. ``costanti`` are values
    shared by every row (the import's id, the initial state), added without copying the rows.
    """
    if not righe:
        return
    nomi = list(righe[0])
    colonne = [list(map(itemgetter(nome), righe)) for nome in nomi]
    _inserisci_colonne(s, tabella, nomi, colonne, len(righe), costanti or {})


def inserisci_colonne(
    s: Session,
    tabella: type[Any],
    nomi: Sequence[str],
    righe: list[tuple[Any, ...]],
    costanti: dict[str, Any] | None = None,
) -> None:
    """``inserisci`` for rows given as tuples in the order of ``nomi`` (no dict per row): what
    ``pianifica`` writes, tens of thousands of letters, exclusions and reports at a time."""
    if not righe:
        return
    colonne = [list(c) for c in zip(*righe, strict=True)]
    _inserisci_colonne(s, tabella, list(nomi), colonne, len(righe), costanti or {})


def _inserisci_colonne(
    s: Session, tabella: type[Any], nomi: list[str], valori: list[list[Any]], n: int, costanti: dict[str, Any]
) -> None:
    connessione = s.connection()
    inserimento = Inserimento(connessione.dialect, tabella, nomi, costanti)
    if inserimento.sql is None:
        righe = [{**dict(zip(nomi, r, strict=True)), **costanti} for r in zip(*valori, strict=True)]
        connessione.execute(insert(tabella.__table__), righe)
        return
    inserimento.esegui(connessione, inserimento.righe(valori, n))


def processore(tipo: Any, dialetto: Any) -> Any:
    """The column type's bind processor for ``dialetto``, or a faster one that gives the same text.

    On SQLite SQLAlchemy stores a datetime as ``YYYY-MM-DD HH:MM:SS.ffffff`` (its zone dropped)
    and a date as ``YYYY-MM-DD``, formatted in Python through a dict per value: ``isoformat``
    gives that text in C. A journal event's ``dati`` is ``json.dumps`` of a flat dict, which
    ``_json_piatto`` writes without an encoder object per value (only with the default
    serializer). Each is used only where it agrees with SQLAlchemy's own on probes (another
    ``storage_format`` does not), and only for ``datetime``, ``date`` and ``dict`` themselves:
    anything else goes to SQLAlchemy's processor. Made once per column type and dialect.
    """
    chiave = (tipo, dialetto)
    if chiave not in _PROCESSORI:
        _PROCESSORI[chiave] = _processore(tipo, dialetto)
    return _PROCESSORI[chiave]


_PROCESSORI: dict[tuple[Any, Any], Any] = {}


def _processore(tipo: Any, dialetto: Any) -> Any:
    generale = tipo._cached_bind_processor(dialetto)
    if generale is None:
        return None
    if isinstance(tipo, JSON) and dialetto._json_serializer is None:
        if any(generale(v) != _json_piatto(v, generale) for v in _PROVE_JSON):
            return generale
        return lambda valore: _json_piatto(valore, generale)
    if dialetto.name != "sqlite":
        return generale
    if isinstance(tipo, DateTime):
        classe, testo, prove = datetime, _testo_sqlite, _PROVE_DATETIME
    elif isinstance(tipo, Date):
        classe, testo, prove = date, date.isoformat, _PROVE_DATE
    else:
        return generale
    if any(generale(v) != testo(v) for v in prove):
        return generale

    def veloce(valore: Any) -> Any:
        return testo(valore) if type(valore) is classe else generale(valore)

    return veloce


def _json_piatto(valore: Any, generale: Any) -> Any:
    """``json.dumps`` of a flat dict of strings and None (a journal event's ``dati``), without
    building an encoder per value; anything else goes to the column's own processor."""
    if type(valore) is not dict:
        return generale(valore)
    parti = []
    for chiave, x in valore.items():
        if type(chiave) is not str:
            return generale(valore)
        if x is None:
            parti.append(f"{encode_basestring_ascii(chiave)}: null")
        elif isinstance(x, str):
            parti.append(f"{encode_basestring_ascii(chiave)}: {encode_basestring_ascii(x)}")
        else:
            return generale(valore)
    return "{" + ", ".join(parti) + "}"


def _testo_sqlite(valore: datetime) -> str:
    return valore.replace(tzinfo=None).isoformat(" ", "microseconds")


_PROVE_DATE = (date(2026, 11, 23), date.min, date.max)
_PROVE_DATETIME = (
    datetime(2026, 11, 23, 9, 0, 3, 120, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=1))),
    datetime.min.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
)


class _Prova(StrEnum):
    VALORE = "àè €"


_PROVE_JSON: tuple[Any, ...] = (
    {"da": None, "a": "consegnata", "data": "2026-11-23T10:00:03+01:00"},
    {"perché": 'àè € "virgolette" \\ \n', "a": _Prova.VALORE},
    {},
    {"n": 1},
    [1, "a"],
    None,
    JSON.NULL,
)


def segnaposto(dialetto: Any) -> str | None:
    """The driver's positional placeholder, for SQL written by hand (None: not one we know)."""
    return {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialetto.paramstyle)


class Inserimento:
    """A bulk INSERT prepared once: the statement, and how each column's values are converted.

    Split in two so the conversion (``righe``, pure Python, the costly half) can run in another
    process than the one holding the connection (``importa/flusso.py``); both halves built from
    the same table, names and dialect agree by construction.
    """

    def __init__(self, dialetto: Any, tabella: type[Any], nomi: Sequence[str], costanti: dict[str, Any]):
        segno = segnaposto(dialetto)
        colonne = [tabella.__table__.c[nome] for nome in [*nomi, *costanti]]
        self._colonne = colonne[: len(nomi)]
        self._processori = [processore(c.type, dialetto) for c in colonne]
        self._costanti = [
            v if p is None or v is None else p(v)
            for v, p in zip(costanti.values(), self._processori[len(nomi) :], strict=True)
        ]
        self.sql = (
            None
            if segno is None
            else f"INSERT INTO {tabella.__table__.name} ({', '.join(c.name for c in colonne)}) "
            f"VALUES ({', '.join([segno] * len(colonne))})"
        )

    def righe(self, valori: Sequence[Sequence[Any]], n: int) -> list[tuple[Any, ...]]:
        """The driver's parameter tuples from the values of each column in ``nomi`` (``n`` rows)."""
        per_colonna: list[Any] = [
            _valori_colonna(v, p, c.type)
            for v, p, c in zip(valori, self._processori, self._colonne, strict=False)
        ]
        per_colonna.extend(repeat(v, n) for v in self._costanti)
        return list(zip(*per_colonna, strict=True))

    def con_costanti(self, righe: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows converted without the ``costanti`` (``Inserimento(..., {})``), with them added."""
        if not self._costanti:
            return righe
        coda = tuple(self._costanti)
        return [r + coda for r in righe]

    def esegui(self, connessione: Any, righe: list[tuple[Any, ...]]) -> None:
        if righe:
            connessione.exec_driver_sql(self.sql, righe)
