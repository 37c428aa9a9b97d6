"""point_sources: the point-source ledger (污染源台账)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:58:56.105440
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "point_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('construction_site', 'restaurant', 'coal_depot', 'boiler', 'workshop', 'enterprise', 'other')",
            name=op.f("ck_point_sources_type"),
        ),
        sa.CheckConstraint(
            "latitude >= -90 AND latitude <= 90", name=op.f("ck_point_sources_latitude_range")
        ),
        sa.CheckConstraint(
            "length(code) > 0 AND length(name) > 0",
            name=op.f("ck_point_sources_code_name_required"),
        ),
        sa.CheckConstraint(
            "longitude >= -180 AND longitude <= 180", name=op.f("ck_point_sources_longitude_range")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_point_sources_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_point_sources_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_point_sources_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_sources")),
        sa.UniqueConstraint("code", name=op.f("uq_point_sources_code")),
    )
    with op.batch_alter_table("point_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_point_sources_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index("ix_point_sources_grid_listing", ["grid_id", "code"], unique=False)
        batch_op.create_index(
            "ix_point_sources_region_listing", ["region_code", "code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("point_sources", schema=None) as batch_op:
        batch_op.drop_index("ix_point_sources_region_listing")
        batch_op.drop_index("ix_point_sources_grid_listing")
        batch_op.drop_index(batch_op.f("ix_point_sources_enterprise_id"))

    op.drop_table("point_sources")
