"""reference data: GB/T 2260 regions and GB/T 4754-2017 industries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:00:00

Rows come from core/data/regions.csv and core/data/industries.csv (see
core/data/SOURCES.md). A later change to those files needs a new migration.
"""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parents[2] / "core" / "data"
_CHUNK = 500


def _table(name: str, width: int) -> sa.TableClause:
    return sa.table(name, sa.column("code", sa.String(width)), sa.column("name", sa.String(100)),
                    sa.column("parent_code", sa.String(width)), sa.column("level", sa.Integer))


TABLES = {"regions": _table("regions", 6), "industries": _table("industries", 5)}


def _rows(name: str) -> list[dict[str, object]]:
    """The CSV's rows, parents (lower levels) first."""
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        rows = [{"code": r["code"], "name": r["name"], "parent_code": r["parent_code"] or None,
                 "level": int(r["level"])} for r in csv.DictReader(fh)]
    return sorted(rows, key=lambda r: (r["level"], r["code"]))


def upgrade() -> None:
    for name, table in TABLES.items():
        rows = _rows(name)
        # one batch per level, so every parent exists before its children arrive
        for level in sorted({r["level"] for r in rows}):
            op.bulk_insert(table, [r for r in rows if r["level"] == level])


def downgrade() -> None:
    for name, table in TABLES.items():
        rows = _rows(name)
        for level in sorted({r["level"] for r in rows}, reverse=True):
            codes = [r["code"] for r in rows if r["level"] == level]
            for start in range(0, len(codes), _CHUNK):
                op.execute(table.delete().where(table.c.code.in_(codes[start:start + _CHUNK])))
