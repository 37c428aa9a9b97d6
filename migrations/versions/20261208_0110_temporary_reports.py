"""temporary reports: enterprises' temporary disclosure reports (临时报告), one per penalty

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-08 01:10:11.692303
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "temporary_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("penalty_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(content) > 0", name=op.f("ck_temporary_reports_content_required")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_temporary_reports_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by"],
            ["users.id"],
            name=op.f("fk_temporary_reports_filed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["penalty_id"],
            ["penalties.id"],
            name=op.f("fk_temporary_reports_penalty_id_penalties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temporary_reports")),
        sa.UniqueConstraint("penalty_id", name=op.f("uq_temporary_reports_penalty_id")),
    )
    with op.batch_alter_table("temporary_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_temporary_reports_enterprise_id"), ["enterprise_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("temporary_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_temporary_reports_enterprise_id"))

    op.drop_table("temporary_reports")
