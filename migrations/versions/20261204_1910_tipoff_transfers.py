"""tip-off transfers (移送/转办): from, to (region, grid or agency), reason, by, at, acknowledged

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

ONE_TARGET = (
    "(target_kind = 'region' AND to_region_code IS NOT NULL AND to_grid_id IS NULL"
    " AND to_agency IS NULL)"
    " OR (target_kind = 'grid' AND to_grid_id IS NOT NULL AND to_region_code IS NOT NULL"
    " AND to_agency IS NULL)"
    " OR (target_kind = 'agency' AND to_agency IS NOT NULL AND to_grid_id IS NULL"
    " AND to_region_code IS NULL)"
)


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, remote: str = "id", **kw: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.{remote}"], name=op.f(f"fk_tipoff_transfers_{column}_{table}"), **kw
    )


def upgrade() -> None:
    op.create_table(
        "tipoff_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipoff_id", sa.Integer(), nullable=False),
        sa.Column("from_region_code", sa.String(length=6), nullable=True),
        sa.Column("from_grid_id", sa.Integer(), nullable=True),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("to_region_code", sa.String(length=6), nullable=True),
        sa.Column("to_grid_id", sa.Integer(), nullable=True),
        sa.Column("to_agency", sa.String(length=100), nullable=True),
        sa.Column("to_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("transferred_by", sa.Integer(), nullable=False),
        _at("transferred_at", nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        _at("acknowledged_at"),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        _at("withdrawn_at"),
        sa.Column("receipt_note", sa.Text(), nullable=True),
        sa.CheckConstraint(ONE_TARGET, name=op.f("ck_tipoff_transfers_one_target")),
        sa.CheckConstraint(
            "target_kind IN ('region', 'grid', 'agency')",
            name=op.f("ck_tipoff_transfers_target_kind"),
        ),
        sa.CheckConstraint(
            "(acknowledged_by IS NULL) = (acknowledged_at IS NULL)",
            name=op.f("ck_tipoff_transfers_acknowledged_pair"),
        ),
        sa.CheckConstraint(
            "(withdrawn_by IS NULL) = (withdrawn_at IS NULL)",
            name=op.f("ck_tipoff_transfers_withdrawn_pair"),
        ),
        sa.CheckConstraint(
            "acknowledged_at IS NULL OR withdrawn_at IS NULL",
            name=op.f("ck_tipoff_transfers_acknowledged_or_withdrawn"),
        ),
        sa.CheckConstraint(
            "length(reason) >= 2 AND length(reason) <= 1000",
            name=op.f("ck_tipoff_transfers_reason_length"),
        ),
        _fk("acknowledged_by", "users"),
        _fk("from_grid_id", "grids"),
        _fk("from_region_code", "regions", "code"),
        _fk("tipoff_id", "tipoffs", ondelete="CASCADE"),
        _fk("to_grid_id", "grids"),
        _fk("to_region_code", "regions", "code"),
        _fk("transferred_by", "users"),
        _fk("withdrawn_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tipoff_transfers")),
    )
    for column in ("tipoff_id", "to_grid_id", "to_region_code", "transferred_at"):
        op.create_index(f"ix_tipoff_transfers_{column}", "tipoff_transfers", [column])
    pending = sa.text("acknowledged_at IS NULL AND withdrawn_at IS NULL")
    op.create_index(
        "uq_tipoff_transfers_pending",
        "tipoff_transfers",
        ["tipoff_id"],
        unique=True,
        sqlite_where=pending,
        postgresql_where=pending,
    )


def downgrade() -> None:
    op.drop_index("uq_tipoff_transfers_pending", table_name="tipoff_transfers")
    for column in ("tipoff_id", "to_grid_id", "to_region_code", "transferred_at"):
        op.drop_index(f"ix_tipoff_transfers_{column}", table_name="tipoff_transfers")
    op.drop_table("tipoff_transfers")
