"""audit_head.scheme and key_id: the audit chain is keyed with HMAC-SHA256 (AUDIT_KEY)

An existing chain is marked ``sha256`` (legacy): the app verifies it with plain hashes and
re-keys it on the first use of the key (it needs the key, which migrations do not have).
An empty chain starts keyed.

Downgrade drops the columns and leaves the row hashes as they are: a chain already keyed
stays keyed (older code reports it as broken rather than anyone turning it back to plain).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("scheme", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    op.execute("UPDATE audit_head SET scheme = CASE WHEN seq = 0 THEN 'hmac-sha256' "
               "ELSE 'sha256' END")
    with op.batch_alter_table("audit_head") as batch:
        batch.alter_column("scheme", existing_type=sa.String(length=16), nullable=False)
        batch.create_check_constraint("scheme", "scheme IN ('sha256', 'hmac-sha256')")


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_constraint(op.f("ck_audit_head_scheme"), type_="check")
        batch.drop_column("key_id")
        batch.drop_column("scheme")
