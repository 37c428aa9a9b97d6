"""report_verifications: the verification codes of issued 企业环境信用报告 (PDF)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("rulebook", sa.String(length=64), nullable=True),
        sa.Column("generated_on", sa.Date(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "length(content_sha256) = 64", name=op.f("ck_report_verifications_sha256_hex")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_report_verifications_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_verifications")),
        sa.UniqueConstraint("code", name=op.f("uq_report_verifications_code")),
        sa.UniqueConstraint(
            "enterprise_id",
            "generated_on",
            "content_sha256",
            name=op.f("uq_report_verifications_enterprise_id_generated_on_content_sha256"),
        ),
    )
    op.create_index(
        op.f("ix_report_verifications_enterprise_id"),
        "report_verifications",
        ["enterprise_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_report_verifications_enterprise_id"), table_name="report_verifications")
    op.drop_table("report_verifications")
