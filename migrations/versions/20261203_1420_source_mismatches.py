"""place_mismatches.entity: point sources of the ledger are flagged like enterprises

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:00:00

Only the CHECK on ``entity`` changes ('source' joins 'tipoff' and 'enterprise'). Downgrade
refuses while source mismatches exist (settle or delete them first): they would break the
narrower CHECK.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("place_mismatches") as batch:
        batch.drop_constraint(op.f("ck_place_mismatches_entity"), type_="check")
        batch.create_check_constraint("entity", "entity IN ('tipoff', 'enterprise', 'source')")


def downgrade() -> None:
    conn = op.get_bind()
    found = conn.execute(sa.text("SELECT count(*) FROM place_mismatches WHERE entity = 'source'"))
    if found.scalar():
        raise RuntimeError("point-source place mismatches exist: delete them before "
                           "downgrading past 0020")
    with op.batch_alter_table("place_mismatches") as batch:
        batch.drop_constraint(op.f("ck_place_mismatches_entity"), type_="check")
        batch.create_check_constraint("entity", "entity IN ('tipoff', 'enterprise')")
