"""annual reports: the annual disclosure report filed online (drafts, frozen submissions)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-08 01:11:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.Column("saved_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status = 'draft' OR (submitted_at IS NOT NULL AND snapshot IS NOT NULL)",
            name=op.f("ck_annual_reports_submitted_is_frozen"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted')", name=op.f("ck_annual_reports_status")
        ),
        sa.CheckConstraint(
            "year >= 1990 AND year <= 2100", name=op.f("ck_annual_reports_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_annual_reports_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_by"],
            ["users.id"],
            name=op.f("fk_annual_reports_saved_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["users.id"],
            name=op.f("fk_annual_reports_submitted_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_reports")),
        sa.UniqueConstraint(
            "enterprise_id", "year", name=op.f("uq_annual_reports_enterprise_id_year")
        ),
    )
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annual_reports_enterprise_id"), ["enterprise_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annual_reports_enterprise_id"))

    op.drop_table("annual_reports")
