"""tipoffs.enterprise_name: a polluter not in the registry is kept as the reporter typed it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 15:00:00

A report naming an enterprise the registry does not know (or knows several times) is
accepted when its place says where it goes; the typed name waits for the handling officer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tipoffs") as batch:
        batch.add_column(sa.Column("enterprise_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tipoffs") as batch:
        batch.drop_column("enterprise_name")
