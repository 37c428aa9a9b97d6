"""rewards (有奖举报): four-eyes reward decisions and the payees' real-name details

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipoff_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("band_amount", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reduction_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("declined_by", sa.Integer(), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("paid_by", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'paid', 'declined')",
            name=op.f("ck_rewards_status"),
        ),
        sa.CheckConstraint(
            "approver_id IS NULL OR approver_id <> proposer_id", name=op.f("ck_rewards_four_eyes")
        ),
        sa.CheckConstraint(
            "amount > 0 AND amount <= band_amount", name=op.f("ck_rewards_amount_within_band")
        ),
        sa.CheckConstraint(
            "amount = band_amount OR reduction_reason IS NOT NULL",
            name=op.f("ck_rewards_reduction_has_reason"),
        ),
        sa.CheckConstraint(
            "status <> 'declined' OR decline_reason IS NOT NULL",
            name=op.f("ck_rewards_decline_has_reason"),
        ),
        sa.CheckConstraint(
            "status <> 'paid' OR (payment_reference IS NOT NULL AND approver_id IS NOT NULL)",
            name=op.f("ck_rewards_paid_has_reference"),
        ),
        sa.ForeignKeyConstraint(
            ["tipoff_id"], ["tipoffs.id"], name=op.f("fk_rewards_tipoff_id_tipoffs")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["tipoffs.id"], name=op.f("fk_rewards_case_id_tipoffs")
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"], ["users.id"], name=op.f("fk_rewards_proposer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["users.id"], name=op.f("fk_rewards_approver_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["declined_by"], ["users.id"], name=op.f("fk_rewards_declined_by_users")
        ),
        sa.ForeignKeyConstraint(["paid_by"], ["users.id"], name=op.f("fk_rewards_paid_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
        sa.UniqueConstraint("tipoff_id", name=op.f("uq_rewards_tipoff_id")),
    )
    op.create_index(op.f("ix_rewards_case_id"), "rewards", ["case_id"])
    op.create_index(op.f("ix_rewards_status"), "rewards", ["status"])
    op.create_table(
        "reward_payees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("id_key", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method IN ('bank', 'phone')", name=op.f("ck_reward_payees_method")),
        sa.CheckConstraint(
            "length(name) > 0 AND length(account) > 0", name=op.f("ck_reward_payees_required")
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["rewards.id"],
            ondelete="CASCADE",
            name=op.f("fk_reward_payees_reward_id_rewards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_payees")),
        sa.UniqueConstraint("reward_id", name=op.f("uq_reward_payees_reward_id")),
    )
    op.create_index(op.f("ix_reward_payees_id_key"), "reward_payees", ["id_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reward_payees_id_key"), table_name="reward_payees")
    op.drop_table("reward_payees")
    op.drop_index(op.f("ix_rewards_status"), table_name="rewards")
    op.drop_index(op.f("ix_rewards_case_id"), table_name="rewards")
    op.drop_table("rewards")
