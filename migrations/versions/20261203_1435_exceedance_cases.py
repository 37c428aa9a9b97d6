"""exceedance_cases: the monitoring case opened for an outlet's pollutant and the hours it covers

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exceedance_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("pollutant", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("first_hour", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_hour", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("peak", sa.Float(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "first_hour <= last_hour", name=op.f("ck_exceedance_cases_hours_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["supervision_cases.id"],
            name=op.f("fk_exceedance_cases_case_id_supervision_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_exceedance_cases_outlet_id_outlets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exceedance_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_exceedance_cases_case_id")),
    )
    with op.batch_alter_table("exceedance_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exceedance_cases_outlet", ["outlet_id", "pollutant", "last_hour"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exceedance_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_exceedance_cases_outlet")
    op.drop_table("exceedance_cases")
