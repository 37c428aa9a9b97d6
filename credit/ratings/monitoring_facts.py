"""Automatic-monitoring facts for a chunk of enterprises, aggregated in SQL (rulebook 2026.2).

Three queries per chunk whatever the number of readings: the outlets; the exceedances as one
row per (outlet, pollutant, China day) with the day's peak valid hourly mean above the limit;
and the valid hours per (outlet, China month). No reading row is read into Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from credit.monitoring.models import (
    CN_HOURLY,
    Outlet,
    OutletLimit,
    Reading,
    limit_of,
    over_limit,
    valid_mean,
)
from credit.monitoring.periods import china_day_sql, china_month_sql, china_start
from credit.ratings.facts import ExceedanceFact, OutletFact, OutletMonthFact

Grouped = dict[int, list[Any]]


def _valid_hourly(stmt: Any, since: dt.date | None, until: dt.date | None) -> Any:
    """Valid hourly means only, of hours starting in [since, until] (China days)."""
    stmt = stmt.where(Reading.cn == CN_HOURLY, valid_mean())
    if since is not None:
        stmt = stmt.where(Reading.time >= china_start(since))
    if until is not None:
        stmt = stmt.where(Reading.time < china_start(until + dt.timedelta(days=1)))
    return stmt


def _group(rows: Sequence[Any], build: Any) -> Grouped:
    out: Grouped = {}
    for row in rows:
        out.setdefault(row[0], []).append(build(row))
    return out


def monitoring_facts(
    session: Session,
    where: Any,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[Grouped, Grouped, Grouped]:
    """(outlets, exceedances, outlet-months) by enterprise id for the outlets whose
    ``Outlet.enterprise_id`` satisfies ``where``; readings of [since, until] only (None: all)."""
    connection = session.connection()
    dialect = connection.dialect.name
    outlets = connection.execute(
        select(
            Outlet.enterprise_id, Outlet.id, Outlet.mn, Outlet.outlet_code, Outlet.commissioned_on
        )
        .where(where)
        .order_by(Outlet.enterprise_id, Outlet.outlet_code)
    ).all()
    if not outlets:
        return {}, {}, {}
    day = china_day_sql(Reading.time, dialect)
    over = _valid_hourly(
        select(
            Outlet.enterprise_id,
            Outlet.id,
            day,
            Reading.pollutant,
            func.max(Reading.value),
            OutletLimit.limit,
        )
        .select_from(Reading)
        .join(Outlet, Outlet.mn == Reading.mn)
        .join(OutletLimit, limit_of(Outlet.id))
        .where(where, over_limit()),
        since,
        until,
    ).group_by(Outlet.enterprise_id, Outlet.id, day, Reading.pollutant, OutletLimit.limit)
    month = china_month_sql(Reading.time, dialect)
    counts = _valid_hourly(
        select(Outlet.enterprise_id, Outlet.id, month, func.count(distinct(Reading.time)))
        .select_from(Reading)
        .join(Outlet, Outlet.mn == Reading.mn)
        .where(where),
        since,
        until,
    ).group_by(Outlet.enterprise_id, Outlet.id, month)
    return (
        _group(outlets, lambda r: OutletFact(r[1], r[2], r[3], r[4])),
        _group(
            connection.execute(over).all(),
            lambda r: ExceedanceFact(r[1], r[2], r[3], float(r[4]), r[5]),
        ),
        _group(connection.execute(counts).all(), lambda r: OutletMonthFact(r[1], r[2], r[3])),
    )
