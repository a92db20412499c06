"""invii: what the sending queue needs (issue 6).

On ``lettere``: the Message-ID stored *before* the SMTP transaction, the attempts with the next
retry time, when the current attempt started (a crash is resolved from the receipts after a
configured wait counted from it), the address used, the provider's reply, the world axis
(``riscontro``: what the provider said) and, for posta, the print bundle it went with.
On ``lettere_crediti``: the credit's residual when planned, what a later payment is compared with.
``tentativi_invio``: one row per attempt (django-post-office's log), with the exception's type.
``blocchi``: the holder and expiry of a lease, for ``invia``, which runs for minutes and must
not hold a database transaction open all that time.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lettere") as tabella:
        tabella.add_column(sa.Column("message_id", sa.String(length=250), nullable=True))
        tabella.add_column(sa.Column("indirizzo", sa.String(length=254), nullable=True))
        tabella.add_column(sa.Column("tentativi", sa.Integer(), nullable=False, server_default="0"))
        tabella.add_column(sa.Column("prossimo_tentativo", sa.DateTime(timezone=True), nullable=True))
        tabella.add_column(sa.Column("in_invio_dal", sa.DateTime(timezone=True), nullable=True))
        tabella.add_column(sa.Column("inviata_il", sa.DateTime(timezone=True), nullable=True))
        tabella.add_column(sa.Column("risposta", sa.Text(), nullable=True))
        tabella.add_column(sa.Column("riscontro", sa.String(length=30), nullable=True))
        tabella.add_column(sa.Column("fascicolo", sa.String(length=300), nullable=True))
        tabella.create_unique_constraint("uq_lettere_message_id", ["message_id"])
    # The credit's residual when the lotto was planned: what "the amounts changed since approval"
    # is measured against (an heir's letter carries a share, not the residual).
    with op.batch_alter_table("lettere_crediti") as tabella:
        tabella.add_column(sa.Column("residuo", sa.BigInteger(), nullable=True))
    op.create_table(
        "tentativi_invio",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lettera_id", sa.Integer(), nullable=False),
        sa.Column("numero", sa.Integer(), nullable=False),
        sa.Column("inizio", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fine", sa.DateTime(timezone=True), nullable=True),
        sa.Column("esito", sa.String(length=20), nullable=False),
        sa.Column("codice", sa.Integer(), nullable=True),
        sa.Column("risposta", sa.Text(), nullable=True),
        sa.Column("eccezione", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["lettera_id"], ["lettere.id"], name=op.f("fk_tentativi_invio_lettera_id_lettere")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tentativi_invio")),
    )
    op.create_index(op.f("ix_tentativi_invio_lettera_id"), "tentativi_invio", ["lettera_id"])
    with op.batch_alter_table("blocchi") as tabella:
        tabella.add_column(sa.Column("titolare", sa.String(length=200), nullable=True))
        tabella.add_column(sa.Column("scade_il", sa.DateTime(timezone=True), nullable=True))
    blocchi = sa.table("blocchi", sa.column("nome", sa.String))
    op.bulk_insert(blocchi, [{"nome": "invia"}])


def downgrade() -> None:
    op.execute("DELETE FROM blocchi WHERE nome = 'invia'")
    with op.batch_alter_table("blocchi") as tabella:
        tabella.drop_column("scade_il")
        tabella.drop_column("titolare")
    with op.batch_alter_table("lettere_crediti") as tabella:
        tabella.drop_column("residuo")
    op.drop_index(op.f("ix_tentativi_invio_lettera_id"), table_name="tentativi_invio")
    op.drop_table("tentativi_invio")
    with op.batch_alter_table("lettere") as tabella:
        tabella.drop_constraint("uq_lettere_message_id", type_="unique")
        for nome in (
            "fascicolo",
            "riscontro",
            "risposta",
            "inviata_il",
            "in_invio_dal",
            "prossimo_tentativo",
            "tentativi",
            "indirizzo",
            "message_id",
        ):
            tabella.drop_column(nome)
