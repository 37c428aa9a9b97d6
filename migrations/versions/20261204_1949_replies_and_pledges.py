"""enterprise replies (企业说明, moderated) and credit pledges (信用承诺, one per enterprise and year)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 19:49:03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_credit_pledges_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by"],
            ["users.id"],
            name=op.f("fk_credit_pledges_signed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_pledges")),
        sa.UniqueConstraint(
            "enterprise_id", "year", name=op.f("uq_credit_pledges_enterprise_id_year")
        ),
    )
    with op.batch_alter_table("credit_pledges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_pledges_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "enterprise_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("held_reasons", sa.String(length=40), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(target_id IS NULL) = (target_type = 'rating')",
            name=op.f("ck_enterprise_replies_target_id_unless_rating"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'held', 'approved', 'rejected', 'superseded')",
            name=op.f("ck_enterprise_replies_status"),
        ),
        sa.CheckConstraint(
            "target_type IN ('penalty', 'inspection', 'permit', 'disclosure', 'rating')",
            name=op.f("ck_enterprise_replies_target_type"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_enterprise_replies_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_enterprise_replies_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_replies_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_replies")),
    )
    with op.batch_alter_table("enterprise_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_replies_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            "ix_enterprise_replies_status_region", ["status", "region_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("enterprise_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_replies_status_region")
        batch_op.drop_index(batch_op.f("ix_enterprise_replies_enterprise_id"))

    op.drop_table("enterprise_replies")
    with op.batch_alter_table("credit_pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_pledges_enterprise_id"))

    op.drop_table("credit_pledges")
