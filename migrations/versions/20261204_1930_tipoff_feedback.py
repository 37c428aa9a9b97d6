"""the closure questionnaire: one answer per tip-off (resolved, 满意度, an internal comment)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tipoff_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipoff_id", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("reopen_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "satisfaction >= 1 AND satisfaction <= 5",
            name=op.f("ck_tipoff_feedback_satisfaction_range"),
        ),
        sa.ForeignKeyConstraint(
            ["tipoff_id"], ["tipoffs.id"], ondelete="CASCADE",
            name=op.f("fk_tipoff_feedback_tipoff_id_tipoffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoff_feedback")),
        sa.UniqueConstraint("tipoff_id", name=op.f("uq_tipoff_feedback_tipoff_id")),
    )
    op.create_index(
        op.f("ix_tipoff_feedback_answered_on"), "tipoff_feedback", ["answered_on"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_tipoff_feedback_answered_on"), table_name="tipoff_feedback")
    op.drop_table("tipoff_feedback")
