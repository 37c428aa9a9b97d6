"""Drop the never-used ``rulebooks`` table: rulebooks are data files (credit/ratings/rulebooks)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("rulebooks")


def downgrade() -> None:
    op.create_table(
        "rulebooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rulebooks")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_rulebooks_name_version")),
    )
