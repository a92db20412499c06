"""Alembic environment: always run from ``store.database.migra`` with an open connection.

There is no alembic.ini: the script location and the connection are passed in code, so the
migrations travel inside the installed package.
"""

from __future__ import annotations

from alembic import context

from corrispondenza.store.tabelle import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
