"""Stored hotspot rankings: writing one (with its change-log event) and reading them back.

The public form of a ranking (:func:`ranking_snapshot`) is what the change feed, the API and
the page show: the city, the period, the method's version and margin, the city means, and the
ranked cells with their means and ``hotspot`` flag (µg/m³, one decimal). Reads never compute:
a ranking exists once ``flask monitoring hotspots`` has stored it, so a public request never
runs the month's aggregation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.clock import iso
from core.db import utcnow
from core.errors import NotFound
from core.messages import msg
from core.reference import Region, region_code_problem
from credit.grids.models import Grid
from credit.monitoring.hotspot_models import HOTSPOT_ENTITY, HotspotCell, HotspotRanking
from credit.monitoring.hotspots import PM10, PM25, Period, Ranking, parse_period

#: the most periods a city's list of stored rankings shows
MAX_PERIODS = 36


def hotspot_id(city_code: str, period: str) -> str:
    """The public id of a ranking: ``CITY:PERIOD`` (e.g. 620100:2026-11)."""
    return f"{city_code}:{period}"


def store_ranking(
    session: Session, ranking: Ranking, now: dt.datetime | None = None
) -> HotspotRanking:
    """Store ``ranking`` (replacing the city and period's previous cells) and record the
    change-log event (entity ``hotspot``) and an audit entry. Flushes."""
    row = session.scalar(
        select(HotspotRanking).where(
            HotspotRanking.city_code == ranking.city.code,
            HotspotRanking.period == ranking.period.label,
        )
    )
    if row is None:
        row = HotspotRanking(city_code=ranking.city.code, period=ranking.period.label)
        session.add(row)
    row.period_kind = ranking.period.kind
    row.hours = ranking.hours
    row.method_version = ranking.method.version
    row.margin = ranking.method.margin
    row.city_pm25 = ranking.city_means.get(PM25)
    row.city_pm10 = ranking.city_means.get(PM10)
    row.stations = ranking.stations
    row.stations_complete = ranking.city_complete.get(ranking.method.ranked_by, 0)
    row.computed_at = now or utcnow()
    session.flush()
    session.execute(delete(HotspotCell).where(HotspotCell.ranking_id == row.id))
    session.add_all(
        HotspotCell(
            ranking_id=row.id,
            grid_id=cell.grid_id,
            rank=cell.rank,
            pm25=cell.means[ranking.method.ranked_by],
            pm10=cell.means.get(PM10),
            stations=cell.stations,
            stations_complete=cell.complete.get(ranking.method.ranked_by, 0),
            hotspot=cell.hotspot,
        )
        for cell in ranking.cells
    )
    session.flush()
    ident = hotspot_id(row.city_code, row.period)
    record_change(session, HOTSPOT_ENTITY, ident)
    audit(
        session,
        "system",
        "hotspot.rank",
        f"hotspot:{ident}",
        {"cells": len(ranking.cells), "hotspots": sum(c.hotspot for c in ranking.cells)},
    )
    return row


def _one(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def ranking_snapshot(session: Session, row: HotspotRanking) -> dict[str, Any]:
    """The public form of a stored ranking."""
    city = session.get(Region, row.city_code)
    cells = session.execute(
        select(HotspotCell, Grid.code, Grid.name)
        .join(Grid, Grid.id == HotspotCell.grid_id)
        .where(HotspotCell.ranking_id == row.id)
        .order_by(HotspotCell.rank)
    ).all()
    threshold = None if row.city_pm25 is None else row.city_pm25 * (1 + row.margin)
    return {
        "id": hotspot_id(row.city_code, row.period),
        "city": {"code": row.city_code, "name": city.name if city else row.city_code},
        "period": row.period,
        "period_kind": row.period_kind,
        "hours": row.hours,
        "method_version": row.method_version,
        "margin": row.margin,
        "city_mean_pm25": _one(row.city_pm25),
        "city_mean_pm10": _one(row.city_pm10),
        "threshold_pm25": _one(threshold),
        "stations": row.stations,
        "stations_complete": row.stations_complete,
        "computed_at": iso(row.computed_at),
        "cells": [
            {
                "rank": cell.rank,
                "grid_code": code,
                "grid_name": name,
                "mean_pm25": _one(cell.pm25),
                "mean_pm10": _one(cell.pm10),
                "stations": cell.stations,
                "stations_complete": cell.stations_complete,
                "hotspot": cell.hotspot,
            }
            for cell, code, name in cells
        ],
    }


def hotspot_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, Any]:
    """Public snapshots of rankings by id ``CITY:PERIOD`` (None: no such ranking)."""
    out: dict[str, Any] = {}
    for ident in ids:
        city, _, period = str(ident).partition(":")
        row = session.scalar(
            select(HotspotRanking).where(
                HotspotRanking.city_code == city, HotspotRanking.period == period
            )
        )
        out[ident] = ranking_snapshot(session, row) if row is not None else None
    return out


def known_city(session: Session, code: str) -> Region:
    """The region ``code`` names; NotFound naming what is wrong with it."""
    code = (code or "").strip()[:20]
    problem = region_code_problem(session, code)
    region = None if problem else session.get(Region, code)
    if region is None:
        raise NotFound(problem or msg("未知的行政区划代码"))
    return region


def stored_periods(session: Session, city_code: str) -> list[str]:
    """The periods with a stored ranking for the city, newest first."""
    return list(
        session.scalars(
            select(HotspotRanking.period)
            .where(HotspotRanking.city_code == city_code)
            .order_by(HotspotRanking.period.desc())
            .limit(MAX_PERIODS)
        )
    )


def find_ranking(session: Session, city_code: str, period: Period) -> dict[str, Any]:
    """The stored ranking of the city and period; NotFound when none has been computed."""
    city = known_city(session, city_code)
    row = session.scalar(
        select(HotspotRanking).where(
            HotspotRanking.city_code == city.code, HotspotRanking.period == period.label
        )
    )
    if row is None:
        raise NotFound(
            msg(
                "%(city)s %(period)s 的热点网格排名尚未计算",
                city=city.name,
                period=period.label,
            )
        )
    return ranking_snapshot(session, row)


def hotspot_ranking(
    session: Session, city_code: str, month: str | None, day: str | None = None
) -> dict[str, Any]:
    """``GET /api/v1/hotspots``: the stored ranking of a city for a month (or a day)."""
    return find_ranking(session, city_code, parse_period(month, day))
