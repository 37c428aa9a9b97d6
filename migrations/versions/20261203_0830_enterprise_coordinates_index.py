"""ix_enterprises_latitude_longitude: the near-me and bbox prefilter (credit.records.nearby)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 08:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_enterprises_latitude_longitude", "enterprises", ["latitude", "longitude"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_enterprises_latitude_longitude", table_name="enterprises")
