"""Bulk-load generated demo data with its change-log rows, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import ChangeLog, allocate_seq
from core.db import utcnow
from core.reference import Industry, Region, region_prefix
from credit.demo import names
from credit.demo.generate import Places, Rows, generate
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
    PermitLimit,
)

TABLES = (
    ("enterprises", Enterprise, "enterprise"),
    ("permits", Permit, "permit"),
    ("permit_limits", PermitLimit, None),
    ("inspections", Inspection, "inspection"),
    ("penalties", Penalty, "penalty"),
    ("disclosure_reports", DisclosureReport, "disclosure"),
    ("emission_accounts", EmissionAccount, "emission"),
)


@dataclass
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)
    change_rows: int = 0


def demo_places(session: Session) -> Places:
    """County codes under each seed place and industry codes under each division."""
    counties: dict[str, list[str]] = {}
    for code, *_ in names.CITIES:
        prefix = region_prefix(code)
        found = list(
            session.scalars(
                select(Region.code)
                .where(Region.code.startswith(prefix), Region.level == 3)
                .order_by(Region.code)
            )
        )
        if not found and session.get(Region, code) is not None:
            found = [code]
        counties[code] = found
    industries: dict[str, list[str]] = {}
    for division in names.INDUSTRIES:
        codes = list(
            session.scalars(
                select(Industry.code)
                .where(Industry.code.startswith(division), Industry.level.in_((2, 4)))
                .order_by(Industry.code)
            )
        )
        industries[division] = codes
    return Places(counties, industries)


def has_enterprises(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Enterprise)) or 0) > 0


def _change_rows(rows: Rows) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for table, _model, entity in TABLES:
        if entity is None:
            continue
        for row in rows[table]:
            out.append(
                {
                    "entity": entity,
                    "entity_id": str(row["uscc"] if entity == "enterprise" else row["id"]),
                    "enterprise_id": row["id"] if entity == "enterprise" else row["enterprise_id"],
                }
            )
    return out


def load_demo(
    session: Session, count: int, seed: int, advance: Callable[[int], None] | None = None
) -> LoadResult:
    """Insert ``count`` generated enterprises and their records; flushes, does not commit."""
    result = LoadResult({t: 0 for t, _, _ in TABLES})
    now = utcnow()
    copy = session.get_bind().dialect.name == "postgresql"
    write = _copy_rows if copy else _insert_rows
    for rows in generate(demo_places(session), count, seed):
        for table, model, _entity in TABLES:
            if rows[table]:
                write(session, model, rows[table])
                result.counts[table] += len(rows[table])
        changes = _change_rows(rows)
        first = allocate_seq(session, len(changes))
        write(
            session,
            ChangeLog,
            [{"seq": first + i, "at": now, "op": "upsert", **c} for i, c in enumerate(changes)],
        )
        result.change_rows += len(changes)
        if advance:
            advance(len(rows["enterprises"]))
    _reset_sequences(session)
    if copy:  # fresh statistics: the planner has never seen these tables' sizes
        for table in [t for t, _, _ in TABLES] + [ChangeLog.__tablename__]:
            session.execute(text(f"ANALYZE {table}"))
    from credit.demo.grids import load_demo_grids  # shapely loads with the demo

    grids = load_demo_grids(session, seed)
    result.counts["grids"], result.counts["grid_members"] = grids.grids, grids.members
    from credit.demo.monitoring import load_demo_monitoring

    network = load_demo_monitoring(session, seed)
    result.counts["stations"], result.counts["outlets"] = network.stations, network.outlets
    result.counts["readings"] = network.readings
    audit(
        session,
        "demo",
        "demo.load",
        "demo",
        {"enterprises": count, "seed": seed, "rows": result.counts},
    )
    return result


def _insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(model), rows)


def _copy_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: the same rows through ``COPY … FROM STDIN`` on the session's own
    connection (so in its transaction), with the columns' Python-side defaults and bind
    processing applied as an INSERT would."""
    table = model.__table__
    dialect = session.get_bind().dialect
    present = set(rows[0])
    columns: list[Any] = []
    fill: list[tuple[str, Any, Any]] = []  # (name, constant default, bind processor)
    for col in table.columns:
        if col.name not in present and col.default is None and col.server_default is not None:
            continue  # the database fills it
        value = None
        if col.name not in present and col.default is not None:
            arg = col.default.arg
            value = arg(None) if callable(arg) else arg  # the same value for the whole chunk
        columns.append(col)
        fill.append((col.name, value, col.type.bind_processor(dialect)))
    names = ", ".join(f'"{c.name}"' for c in columns)
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    with (
        dbapi.cursor() as cur,
        cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as out,
    ):
        for row in rows:
            record = []
            for name, default, process in fill:
                value = row.get(name, default)
                record.append(process(value) if process and value is not None else value)
            out.write_row(record)


def _reset_sequences(session: Session) -> None:
    """PostgreSQL: move id sequences past the explicit ids we inserted."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table, _model, entity in TABLES:
        if entity is None:  # permit_limits: composite key, no sequence
            continue
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - constant
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )
