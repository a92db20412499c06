"""Named locks in the database, so they hold across processes and on PostgreSQL as on SQLite.

``prendi`` updates the lock's row (to the same value) as the first statement of the
transaction: on SQLite that takes the database's write lock at once (a second writer waits, up
to ``busy_timeout``); on PostgreSQL it locks the row. Either way the second run of an import or
of ``pianifica`` starts only after the first has committed, sees its work and does nothing
twice. No data changes, so an import that changes nothing still leaves every row as it was; the
lock ends with the transaction, so a crash cannot leave it taken.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm import Session

from corrispondenza.errors import StoreError
from corrispondenza.store.tabelle import Blocco


class NomeBlocco(StrEnum):
    """The locks the migrations create (0003)."""

    IMPORTA = "importa"
    PIANIFICA = "pianifica"


def prendi(s: Session, nome: NomeBlocco) -> None:
    """Take the lock ``nome`` until the end of the transaction."""
    esito = s.execute(update(Blocco).where(Blocco.nome == nome.value).values(nome=Blocco.nome))
    if esito.rowcount != 1:  # type: ignore[attr-defined]
        raise StoreError(f"Blocco «{nome}» mancante: il database non è aggiornato.", blocco=nome.value)
