"""disclosure obligations: the obliged-to-disclose list (enterprise, year)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosure_obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "year >= 1990 AND year <= 2100", name=op.f("ck_disclosure_obligations_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_disclosure_obligations_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_obligations")),
        sa.UniqueConstraint(
            "enterprise_id", "year", name=op.f("uq_disclosure_obligations_enterprise_id_year")
        ),
    )
    with op.batch_alter_table("disclosure_obligations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_obligations_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disclosure_obligations_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("disclosure_obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_obligations_year"))
        batch_op.drop_index(batch_op.f("ix_disclosure_obligations_enterprise_id"))
    op.drop_table("disclosure_obligations")
