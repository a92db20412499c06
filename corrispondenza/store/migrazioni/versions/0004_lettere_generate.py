"""lettere generate: template and PDF hashes, pages and time of generation (issue 5).

Every letter records the sha256 of the template it came from and of the PDF it became, so any
letter can be traced to the exact template text that produced it (DESIGN.md, Templates).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lettere") as tabella:
        tabella.add_column(sa.Column("modello_sha256", sa.String(length=64), nullable=True))
        tabella.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=True))
        tabella.add_column(sa.Column("pagine", sa.Integer(), nullable=True))
        tabella.add_column(sa.Column("generata_il", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lettere") as tabella:
        tabella.drop_column("generata_il")
        tabella.drop_column("pagine")
        tabella.drop_column("pdf_sha256")
        tabella.drop_column("modello_sha256")
