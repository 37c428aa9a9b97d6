"""mail to reporters (a named reporter's opt-in, anonymous reporters' notification
addresses) and the regulators' daily digest opt-outs

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tipoffs") as batch:
        batch.add_column(
            sa.Column("notify_email", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "tipoff_notify_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipoff_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tipoff_id"],
            ["tipoffs.id"],
            ondelete="CASCADE",
            name=op.f("fk_tipoff_notify_addresses_tipoff_id_tipoffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoff_notify_addresses")),
        sa.UniqueConstraint("tipoff_id", name=op.f("uq_tipoff_notify_addresses_tipoff_id")),
    )
    op.create_table(
        "digest_opt_outs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name=op.f("fk_digest_opt_outs_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_digest_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("digest_opt_outs")
    op.drop_table("tipoff_notify_addresses")
    with op.batch_alter_table("tipoffs") as batch:
        batch.drop_column("notify_email")
