"""Opening the database: engine, SQLite pragmas, migrations to the latest version.

SQLite runs in WAL mode with foreign keys on (off by default in SQLite); PostgreSQL is used
as configured. Every open brings the schema to the latest Alembic revision, so a newer
version of the tool upgrades an older workspace by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from corrispondenza.errors import StoreError

MIGRAZIONI = Path(__file__).parent / "migrazioni"
T = TypeVar("T")


def apri(url: str, *, migra_subito: bool = True) -> Engine:
    """Create the engine for ``url`` and bring the schema up to date."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _pragma_sqlite)
    if migra_subito:
        migra(engine)
    return engine


def _pragma_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRAZIONI))
    return config


def migra(engine: Engine, revisione: str = "head") -> None:
    """Apply the migrations up to ``revisione``; errors name the database, not the password."""
    config = alembic_config()
    try:
        with engine.begin() as connessione:
            config.attributes["connection"] = connessione
            command.upgrade(config, revisione)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"Impossibile aprire o aggiornare il database ({engine.url.render_as_string()}): "
            f"{exc.__class__.__name__}",
            dettaglio=str(exc),
        ) from exc


@contextmanager
def sessione(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise."""
    fabbrica = sessionmaker(engine, expire_on_commit=False)
    with fabbrica() as s, s.begin():
        yield s


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
