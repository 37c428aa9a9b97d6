"""monitoring: stations, outlets and their limits, readings (monthly partitions on PostgreSQL)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 13:39:55.607554
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_readings",
        sa.Column("mn", sa.String(length=24), nullable=False),
        sa.Column("cn", sa.Integer(), nullable=False),
        sa.Column("pollutant", sa.String(length=16), nullable=False),
        sa.Column("time", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("min", sa.Float(), nullable=True),
        sa.Column("max", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=1), nullable=False),
        sa.CheckConstraint(
            "flag IN ('N', 'F', 'M', 'S', 'D', 'C', 'T', 'B')", name=op.f("ck_raw_readings_flag")
        ),
        sa.PrimaryKeyConstraint("mn", "cn", "pollutant", "time", name=op.f("pk_raw_readings")),
        postgresql_partition_by="RANGE (time)",
    )
    with op.batch_alter_table("raw_readings", schema=None) as batch_op:
        batch_op.create_index("ix_raw_readings_time", ["time"], unique=False)

    op.create_table(
        "readings",
        sa.Column("mn", sa.String(length=24), nullable=False),
        sa.Column("cn", sa.Integer(), nullable=False),
        sa.Column("pollutant", sa.String(length=16), nullable=False),
        sa.Column("time", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("min", sa.Float(), nullable=True),
        sa.Column("max", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=1), nullable=False),
        sa.CheckConstraint(
            "flag IN ('N', 'F', 'M', 'S', 'D', 'C', 'T', 'B')", name=op.f("ck_readings_flag")
        ),
        sa.PrimaryKeyConstraint("mn", "cn", "pollutant", "time", name=op.f("pk_readings")),
        postgresql_partition_by="RANGE (time)",
    )
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.create_index("ix_readings_time", ["cn", "time"], unique=False)

    op.create_table(
        "monitoring_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=128), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('national', 'provincial', 'micro')", name=op.f("ck_monitoring_stations_kind")
        ),
        sa.CheckConstraint(
            "length(mn) > 0 AND length(name) > 0",
            name=op.f("ck_monitoring_stations_mn_name_required"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_monitoring_stations_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["regions.code"],
            name=op.f("fk_monitoring_stations_region_code_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_stations")),
        sa.UniqueConstraint("mn", name=op.f("uq_monitoring_stations_mn")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # the safety net: a row whose month has no partition yet is kept, never refused
        for table in ("readings", "raw_readings"):
            op.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    with op.batch_alter_table("monitoring_stations", schema=None) as batch_op:
        batch_op.create_index("ix_monitoring_stations_grid", ["grid_id"], unique=False)
        batch_op.create_index("ix_monitoring_stations_region", ["region_code", "mn"], unique=False)

    op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=24), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("outlet_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("commissioned_on", sa.Date(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=128), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('gas', 'water')", name=op.f("ck_outlets_kind")),
        sa.CheckConstraint(
            "length(mn) > 0 AND length(outlet_code) > 0", name=op.f("ck_outlets_mn_code_required")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_outlets_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_outlets_grid_id_grids")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlets")),
        sa.UniqueConstraint("mn", name=op.f("uq_outlets_mn")),
    )
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outlets_enterprise", ["enterprise_id", "outlet_code"], unique=True
        )

    op.create_table(
        "outlet_limits",
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("pollutant", sa.String(length=16), nullable=False),
        sa.Column("limit", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_outlet_limits_outlet_id_outlets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outlet_id", "pollutant", name=op.f("pk_outlet_limits")),
    )


def downgrade() -> None:
    op.drop_table("outlet_limits")
    with op.batch_alter_table("outlets", schema=None) as batch_op:
        batch_op.drop_index("ix_outlets_enterprise")

    op.drop_table("outlets")
    with op.batch_alter_table("monitoring_stations", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_stations_region")
        batch_op.drop_index("ix_monitoring_stations_grid")

    op.drop_table("monitoring_stations")
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index("ix_readings_time")

    op.drop_table("readings")
    with op.batch_alter_table("raw_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_raw_readings_time")

    op.drop_table("raw_readings")
