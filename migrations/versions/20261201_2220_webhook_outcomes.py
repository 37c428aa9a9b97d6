"""webhook_deliveries: coarse outcomes (refused, cancelled), no remote error text

The partner sees only the outcome of a delivery, never the target's status text or a
socket error (security F2): last_status_code and last_error go, last_attempt_at comes.
next_attempt_at is NULL once a delivery is no longer pending (partner F17).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEW = "status IN ('pending', 'delivered', 'failed', 'refused', 'cancelled')"
OLD = "status IN ('pending', 'delivered', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(op.f("ck_webhook_deliveries_status"), type_="check")
        batch.create_check_constraint("status", NEW)
        batch.add_column(sa.Column("last_attempt_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.alter_column("next_attempt_at", existing_type=sa.DateTime(timezone=True),
                           nullable=True)
        batch.drop_column("last_status_code")
        batch.drop_column("last_error")
    # a delivery that is over has no next attempt
    op.execute("UPDATE webhook_deliveries SET next_attempt_at = NULL "
               "WHERE status <> 'pending'")


def downgrade() -> None:
    op.execute("UPDATE webhook_deliveries SET status = 'failed' "
               "WHERE status IN ('refused', 'cancelled')")
    op.execute("UPDATE webhook_deliveries SET next_attempt_at = created_at "
               "WHERE next_attempt_at IS NULL")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(op.f("ck_webhook_deliveries_status"), type_="check")
        batch.create_check_constraint("status", OLD)
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_status_code", sa.Integer(), nullable=True))
        batch.alter_column("next_attempt_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
        batch.drop_column("last_attempt_at")
