"""readings keep a period's total (HJ 212 ``-Cou``, 累计值) beside its mean

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # on PostgreSQL the partitioned parents pass the column to every partition
    for table in ("readings", "raw_readings"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("total", sa.Float(), nullable=True))


def downgrade() -> None:
    for table in ("readings", "raw_readings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("total")
