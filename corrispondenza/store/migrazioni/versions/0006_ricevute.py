"""ricevute: the PEC receipts read over IMAP, kept as evidence, and the IMAP reading position (issue 7).

``ricevute``: one row per provider message seen (receipts, transport envelopes, other mail,
unreadable ones), with its own identity (unique: each receipt is applied exactly once), the
sha256 of the raw message stored as evidence, the data read from daticert, the signature's
verdict, and the letter it was matched to (none: an orphan, listed, never dropped).
``cartelle_imap``: per mailbox and folder, UIDVALIDITY and the last UID processed.
On ``lettere``: the legal time of delivery (daticert, with its zone), the provider's
identificativo (learned from the acceptance, the third way to match), the raccomandata number.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ricevute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identita", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("percorso", sa.String(length=300), nullable=False),
        sa.Column("casella", sa.String(length=254), nullable=False),
        sa.Column("cartella", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("classe", sa.String(length=20), nullable=False),
        sa.Column("tipo", sa.String(length=40), nullable=True),
        sa.Column("msgid", sa.String(length=250), nullable=True),
        sa.Column("identificativo", sa.String(length=250), nullable=True),
        sa.Column("consegna", sa.String(length=254), nullable=True),
        sa.Column("data", sa.DateTime(timezone=True), nullable=True),
        sa.Column("zona", sa.String(length=6), nullable=True),
        sa.Column("errore", sa.String(length=40), nullable=True),
        sa.Column("errore_esteso", sa.Text(), nullable=True),
        sa.Column("esterno", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("firma", sa.String(length=20), nullable=False),
        sa.Column("motivo", sa.Text(), nullable=True),
        sa.Column("lettera_id", sa.Integer(), nullable=True),
        sa.Column("effetto", sa.String(length=40), nullable=True),
        sa.Column("letta_il", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lettera_id"], ["lettere.id"], name=op.f("fk_ricevute_lettera_id_lettere")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ricevute")),
        sa.UniqueConstraint("identita", name=op.f("uq_ricevute_identita")),
    )
    op.create_index(op.f("ix_ricevute_lettera_id"), "ricevute", ["lettera_id"])
    op.create_index(op.f("ix_ricevute_msgid"), "ricevute", ["msgid"])
    op.create_table(
        "cartelle_imap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("casella", sa.String(length=254), nullable=False),
        sa.Column("nome", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("ultimo_uid", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cartelle_imap")),
        sa.UniqueConstraint("casella", "nome", name=op.f("uq_cartelle_imap_casella")),
    )
    with op.batch_alter_table("lettere") as tabella:
        tabella.add_column(sa.Column("consegnata_il", sa.DateTime(timezone=True), nullable=True))
        tabella.add_column(sa.Column("identificativo", sa.String(length=250), nullable=True))
        tabella.add_column(sa.Column("numero_raccomandata", sa.String(length=40), nullable=True))
        tabella.create_index("ix_lettere_identificativo", ["identificativo"])
    blocchi = sa.table("blocchi", sa.column("nome", sa.String))
    op.bulk_insert(blocchi, [{"nome": "ricevute"}])


def downgrade() -> None:
    op.execute("DELETE FROM blocchi WHERE nome = 'ricevute'")
    with op.batch_alter_table("lettere") as tabella:
        tabella.drop_index("ix_lettere_identificativo")
        tabella.drop_column("numero_raccomandata")
        tabella.drop_column("identificativo")
        tabella.drop_column("consegnata_il")
    op.drop_table("cartelle_imap")
    op.drop_index(op.f("ix_ricevute_msgid"), table_name="ricevute")
    op.drop_index(op.f("ix_ricevute_lettera_id"), table_name="ricevute")
    op.drop_table("ricevute")
