"""tip-offs: a regulator's "not the same problem" on a pair flagged as likely duplicates

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tipoff_duplicate_dismissals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "low_id < high_id", name=op.f("ck_tipoff_duplicate_dismissals_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["low_id"], ["tipoffs.id"], ondelete="CASCADE",
            name=op.f("fk_tipoff_duplicate_dismissals_low_id_tipoffs"),
        ),
        sa.ForeignKeyConstraint(
            ["high_id"], ["tipoffs.id"], ondelete="CASCADE",
            name=op.f("fk_tipoff_duplicate_dismissals_high_id_tipoffs"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_tipoff_duplicate_dismissals_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoff_duplicate_dismissals")),
        sa.UniqueConstraint(
            "low_id", "high_id", name=op.f("uq_tipoff_duplicate_dismissals_low_id_high_id")
        ),
    )
    op.create_index(
        op.f("ix_tipoff_duplicate_dismissals_high_id"),
        "tipoff_duplicate_dismissals",
        ["high_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_tipoff_duplicate_dismissals_high_id"), table_name="tipoff_duplicate_dismissals"
    )
    op.drop_table("tipoff_duplicate_dismissals")
