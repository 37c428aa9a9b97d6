"""tipoff_receipts (one-time receipts, security F8); api_clients.key_hash wide enough for
keyed hashes (security F3)

Existing API keys (plain SHA-256) and tracking secrets (argon2) stay as they are: the
application rewrites each one to its keyed hash on the next successful use, as it needs the
plaintext to do so.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEYED_PREFIX = "hmac-sha256$"


def upgrade() -> None:
    op.create_table(
        "tipoff_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=100), nullable=False),
        sa.Column("tipoff_id", sa.Integer(), nullable=False),
        sa.Column("sealed_secret", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tipoff_id"], ["tipoffs.id"],
                                name=op.f("fk_tipoff_receipts_tipoff_id_tipoffs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoff_receipts")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tipoff_receipts_token_hash")),
    )
    with op.batch_alter_table("tipoff_receipts") as batch:
        batch.create_index(batch.f("ix_tipoff_receipts_tipoff_id"), ["tipoff_id"])
        batch.create_index(batch.f("ix_tipoff_receipts_expires_at"), ["expires_at"])
    with op.batch_alter_table("api_clients") as batch:
        batch.alter_column("key_hash", existing_type=sa.String(length=64),
                           type_=sa.String(length=100), existing_nullable=False)


def downgrade() -> None:
    # Keyed hashes do not fit the old column. Without the prefix they do, but the old code
    # cannot verify them: keys used or created since the upgrade must be issued again.
    clients = sa.table("api_clients", sa.column("key_hash", sa.String))
    op.execute(clients.update().where(clients.c.key_hash.startswith(KEYED_PREFIX))
               .values(key_hash=sa.func.substr(clients.c.key_hash, len(KEYED_PREFIX) + 1)))
    with op.batch_alter_table("api_clients") as batch:
        batch.alter_column("key_hash", existing_type=sa.String(length=100),
                           type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table("tipoff_receipts") as batch:
        batch.drop_index(batch.f("ix_tipoff_receipts_expires_at"))
        batch.drop_index(batch.f("ix_tipoff_receipts_tipoff_id"))
    op.drop_table("tipoff_receipts")
