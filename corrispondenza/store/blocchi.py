"""Named locks in the database, so they hold across processes and on PostgreSQL as on SQLite.

``prendi`` updates the lock's row as the first statement of the transaction: on SQLite that
takes the database's write lock at once (a second writer waits, up to ``busy_timeout``); on
PostgreSQL it locks the row. Either way the second run of, say, ``pianifica`` starts only after
the first has committed, sees its lotto, and proposes nothing twice. The lock ends with the
transaction: a crash cannot leave it taken.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from corrispondenza.errors import StoreError
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Blocco


def prendi(s: Session, nome: str, op: Operazione) -> None:
    esito = s.execute(
        update(Blocco).where(Blocco.nome == nome).values(preso_il=op.quando, preso_da=op.operatore)
    )
    if esito.rowcount != 1:  # type: ignore[attr-defined]
        raise StoreError(f"Blocco «{nome}» mancante nel database: eseguire le migrazioni.", blocco=nome)
