"""credit_ratings.vetoed: the published level is a veto's (一票否决)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:00:00

Lists and search hits say "环保不良企业 · 一票否决" without reading each rating's explanation.
Rows written before this column say false; the next rescore (``flask credit rescore``, run by
``make run``) rewrites the current ratings whose level a veto set, as a changed rating.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_ratings") as batch:
        batch.add_column(
            sa.Column("vetoed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_ratings") as batch:
        batch.drop_column("vetoed")
