"""grids and grid_members: the supervision grid hierarchy and its teams

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "grids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(code) > 0 AND length(name) > 0", name=op.f("ck_grids_code_name_required")
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_grids_level_range")),
        sa.CheckConstraint(
            "min_lat <= max_lat AND min_lon <= max_lon", name=op.f("ck_grids_bbox_order")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["grids.id"], name=op.f("fk_grids_parent_id_grids")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_grids_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grids")),
        sa.UniqueConstraint("code", name=op.f("uq_grids_code")),
    )
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grids_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grids_region_code"), ["region_code"], unique=False)

    op.create_table(
        "grid_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('leader', 'officer', 'assistant', 'volunteer')",
            name=op.f("ck_grid_members_role"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_grid_members_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_grid_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_members")),
        sa.UniqueConstraint("grid_id", "user_id", name="one_role_per_grid"),
    )
    with op.batch_alter_table("grid_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_members_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_members_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("grid_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_grid_members_grid_id"))

    op.drop_table("grid_members")
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grids_region_code"))
        batch_op.drop_index(batch_op.f("ix_grids_parent_id"))

    op.drop_table("grids")
