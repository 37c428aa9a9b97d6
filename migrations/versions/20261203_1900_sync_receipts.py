"""partners' sync receipts: the change-feed seq each partner's mirror has applied

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"], ["api_clients.id"], ondelete="CASCADE",
            name=op.f("fk_sync_receipts_api_client_id_api_clients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_receipts")),
    )
    op.create_index("ix_sync_receipts_client_seq", "sync_receipts", ["api_client_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_sync_receipts_client_seq", table_name="sync_receipts")
    op.drop_table("sync_receipts")
