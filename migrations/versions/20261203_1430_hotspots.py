"""hotspot grids (热点网格): stored rankings, their cells, the cases they opened and suspects

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotspot_rankings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("method_version", sa.String(length=32), nullable=False),
        sa.Column("margin", sa.Float(), nullable=False),
        sa.Column("city_pm25", sa.Float(), nullable=True),
        sa.Column("city_pm10", sa.Float(), nullable=True),
        sa.Column("stations", sa.Integer(), nullable=False),
        sa.Column("stations_complete", sa.Integer(), nullable=False),
        sa.Column("computed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_kind IN ('day', 'month')", name=op.f("ck_hotspot_rankings_period_kind")
        ),
        sa.CheckConstraint("hours > 0", name=op.f("ck_hotspot_rankings_hours_positive")),
        sa.ForeignKeyConstraint(
            ["city_code"], ["regions.code"], name=op.f("fk_hotspot_rankings_city_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_rankings")),
        sa.UniqueConstraint("city_code", "period", name="one_per_city_period"),
    )
    op.create_table(
        "hotspot_cells",
        sa.Column("ranking_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("pm25", sa.Float(), nullable=False),
        sa.Column("pm10", sa.Float(), nullable=True),
        sa.Column("stations", sa.Integer(), nullable=False),
        sa.Column("stations_complete", sa.Integer(), nullable=False),
        sa.Column("hotspot", sa.Boolean(), nullable=False),
        sa.CheckConstraint("rank > 0", name=op.f("ck_hotspot_cells_rank_positive")),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_hotspot_cells_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["ranking_id"],
            ["hotspot_rankings.id"],
            name=op.f("fk_hotspot_cells_ranking_id_hotspot_rankings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ranking_id", "grid_id", name=op.f("pk_hotspot_cells")),
    )
    op.create_table(
        "hotspot_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("wind_from_deg", sa.Float(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["supervision_cases.id"],
            name=op.f("fk_hotspot_cases_case_id_supervision_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_hotspot_cases_grid_id_grids")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_hotspot_cases_case_id")),
        sa.UniqueConstraint("grid_id", "period", name="one_case_per_cell_period"),
    )
    op.create_table(
        "hotspot_suspects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hotspot_case_id", sa.Integer(), nullable=False),
        sa.Column("point_source_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('in_cell', 'nearby', 'upwind')", name=op.f("ck_hotspot_suspects_reason")
        ),
        sa.CheckConstraint(
            "(point_source_id IS NULL) <> (enterprise_id IS NULL)",
            name=op.f("ck_hotspot_suspects_source_or_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_hotspot_suspects_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["hotspot_case_id"],
            ["hotspot_cases.id"],
            name=op.f("fk_hotspot_suspects_hotspot_case_id_hotspot_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["point_source_id"],
            ["point_sources.id"],
            name=op.f("fk_hotspot_suspects_point_source_id_point_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_suspects")),
    )
    with op.batch_alter_table("hotspot_suspects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotspot_suspects_hotspot_case_id"), ["hotspot_case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hotspot_suspects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotspot_suspects_hotspot_case_id"))

    op.drop_table("hotspot_suspects")
    op.drop_table("hotspot_cases")
    op.drop_table("hotspot_cells")
    op.drop_table("hotspot_rankings")
