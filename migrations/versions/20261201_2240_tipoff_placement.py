"""tipoffs.placement: Open311 reports no region could be found for wait unplaced for triage

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00

``region_code`` becomes nullable (an unplaced report without a configured triage region has
none); a CHECK keeps every placed report with a region.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tipoffs") as batch:
        batch.add_column(sa.Column("placement", sa.String(length=16), nullable=False,
                                   server_default="placed"))
        batch.alter_column("region_code", existing_type=sa.String(length=6), nullable=True)
        batch.create_check_constraint("placement", "placement IN ('placed', 'unplaced')")
        batch.create_check_constraint("placed_has_region",
                                      "placement = 'unplaced' OR region_code IS NOT NULL")


def downgrade() -> None:
    conn = op.get_bind()
    waiting = conn.execute(sa.text("SELECT count(*) FROM tipoffs WHERE region_code IS NULL"))
    if waiting.scalar():
        raise RuntimeError("unplaced tip-offs without a region exist: place them (regulator "
                           "pages) before downgrading past 0009")
    with op.batch_alter_table("tipoffs") as batch:
        batch.drop_constraint("placed_has_region", type_="check")
        batch.drop_constraint("placement", type_="check")
        batch.alter_column("region_code", existing_type=sa.String(length=6), nullable=False)
        batch.drop_column("placement")
