"""Hotspot grids (热点网格): a city's grid cells ranked by their stations' mean PM2.5.

For a city (a GB/T 2260 code: its stations are those whose region code starts with the city's
prefix) and a period (a China day or month), one SQL statement aggregates the hourly means:
first per station and pollutant (valid flags N/T only, kept when the valid hours cover
``completeness`` of the period's hours), then per grid cell (the mean of its complete stations'
means) and for the whole city. A cell is a hotspot when its PM2.5 mean is at least the city
mean × (1 + ``margin``). The numbers are data: ``hotspots.toml`` beside this module.

The period's bounds are China midnights converted to UTC, so the hours are selected by a range
on ``readings.time`` (the ``ix_readings_time`` index) and no per-row date expression is needed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from core.clock import CHINA
from core.errors import BadRequest
from core.messages import msg
from core.reference import Region, region_prefix
from credit.grids.models import Grid
from credit.monitoring.models import CN_HOURLY, Reading, Station, valid_mean
from credit.supervision.models import CASE_CLASSES

METHOD_FILE = Path(__file__).with_name("hotspots.toml")
PM25, PM10 = "a34004", "a34002"
CITY_MEANS = ("stations", "cells")
#: the years a period may name (beyond them a date is a typing error, and 9999-12 has no end)
MIN_YEAR, MAX_YEAR = 1970, 2200


class MethodFileError(ValueError):
    """The hotspot method file is unreadable or breaks a rule."""


@dataclass(frozen=True)
class HotspotMethod:
    """The method's numbers (see hotspots.toml for what each means)."""

    version: str
    pollutants: tuple[str, ...]
    completeness: float
    margin: float
    city_mean: str
    grid_level: int
    top_cases: int
    case_class: str
    max_suspects: int
    radius_km: float
    upwind_radius_km: float
    upwind_sector_deg: float
    calm_speed: float
    wind_direction: str
    wind_speed: str

    @property
    def ranked_by(self) -> str:
        return self.pollutants[0]


def _number(data: dict[str, Any], key: str, low: float, high: float, path: Path) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise MethodFileError(f"{path}: {key} must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def parse_method(data: dict[str, Any], path: Path = METHOD_FILE) -> HotspotMethod:
    """The method from the file's parsed TOML; MethodFileError naming the key and problem."""
    pollutants = data.get("pollutants")
    if not (
        isinstance(pollutants, list)
        and pollutants
        and all(isinstance(p, str) and re.fullmatch(r"[a-z][0-9]{5}", p) for p in pollutants)
    ):
        raise MethodFileError(f"{path}: pollutants must be a list of HJ 212 codes (a34004 …)")
    if data.get("city_mean") not in CITY_MEANS:
        raise MethodFileError(f"{path}: city_mean must be one of {', '.join(CITY_MEANS)}")
    cases, suspects = data.get("cases") or {}, data.get("suspects") or {}
    if cases.get("case_class") not in CASE_CLASSES:
        raise MethodFileError(f"{path}: cases.case_class must be one of {', '.join(CASE_CLASSES)}")
    for key in ("wind_direction", "wind_speed"):
        if not isinstance(suspects.get(key), str):
            raise MethodFileError(f"{path}: suspects.{key} must be an HJ 212 code")
    if not isinstance(data.get("version"), str) or not data["version"]:
        raise MethodFileError(f"{path}: version must be a text")
    return HotspotMethod(
        version=data["version"],
        pollutants=tuple(pollutants),
        completeness=_number(data, "completeness", 0.01, 1, path),
        margin=_number(data, "margin", 0, 10, path),
        city_mean=data["city_mean"],
        grid_level=int(_number(data, "grid_level", 0, 4, path)),
        top_cases=int(_number(cases, "top", 0, 100, path)),
        case_class=cases["case_class"],
        max_suspects=int(_number(cases, "max_suspects", 1, 500, path)),
        radius_km=_number(suspects, "radius_km", 0, 50, path),
        upwind_radius_km=_number(suspects, "upwind_radius_km", 0, 50, path),
        upwind_sector_deg=_number(suspects, "upwind_sector_deg", 1, 180, path),
        calm_speed=_number(suspects, "calm_speed", 0, 20, path),
        wind_direction=suspects["wind_direction"],
        wind_speed=suspects["wind_speed"],
    )


@cache
def load_method(path: Path = METHOD_FILE) -> HotspotMethod:
    """The method file, loaded and validated once."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MethodFileError(f"{path}: {exc}") from exc
    return parse_method(data, path)


@dataclass(frozen=True)
class Period:
    """A China day or month, as the UTC range of its hours."""

    kind: str  # "day" | "month"
    label: str  # YYYY-MM-DD | YYYY-MM
    start: dt.datetime
    end: dt.datetime

    def hours_until(self, now: dt.datetime) -> int:
        """The period's hours that have begun by ``now`` (all of them once it is over)."""
        last = min(self.end, now)
        return max(0, math.ceil((last - self.start).total_seconds() / 3600))


def _china_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def parse_period(month: str | None, day: str | None = None) -> Period:
    """The period of ``--month YYYY-MM`` or ``--day YYYY-MM-DD`` (a day inside the month when
    both are given); BadRequest naming the parameter."""
    month, day = (month or "").strip(), (day or "").strip()
    if day:
        try:
            shaped = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day)
            date = dt.date.fromisoformat(day) if shaped else None
        except ValueError:
            date = None
        if date is None or not MIN_YEAR <= date.year <= MAX_YEAR:
            problem = msg("日期应为 YYYY-MM-DD，实际为“%(value)s”", value=day[:20])
            raise BadRequest(problem, {"day": [problem]})
        if month and date.strftime("%Y-%m") != month:
            problem = msg("日期 %(day)s 不在月份 %(month)s 内", day=day, month=month[:20])
            raise BadRequest(problem, {"day": [problem]})
        return Period(
            "day", day, _china_midnight(date), _china_midnight(date + dt.timedelta(days=1))
        )
    found = re.fullmatch(r"([0-9]{4})-([0-9]{2})", month)
    if not found or not 1 <= int(found[2]) <= 12 or not MIN_YEAR <= int(found[1]) <= MAX_YEAR:
        problem = msg("月份应为 YYYY-MM，实际为“%(value)s”", value=month[:20])
        raise BadRequest(problem, {"month": [problem]})
    first = dt.date(int(found[1]), int(found[2]), 1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period("month", month, _china_midnight(first), _china_midnight(following))


@dataclass(frozen=True)
class CellMean:
    """One grid cell's means (µg/m³) and stations."""

    grid_id: int
    code: str
    name: str
    means: dict[str, float]
    #: complete stations per pollutant
    complete: dict[str, int]
    stations: int
    rank: int = 0
    hotspot: bool = False


@dataclass(frozen=True)
class Ranking:
    """A city's cells for a period, highest mean first (cells with a complete station only)."""

    city: Region
    period: Period
    method: HotspotMethod
    hours: int
    city_means: dict[str, float]
    city_complete: dict[str, int]
    stations: int
    cells: list[CellMean]

    @property
    def threshold(self) -> float | None:
        """The hotspot threshold of the ranking pollutant: city mean × (1 + margin)."""
        mean = self.city_means.get(self.method.ranked_by)
        return None if mean is None else mean * (1 + self.method.margin)


def station_cells(level: int) -> tuple[Any, Any]:
    """(FROM clause of stations joined to their grids' ancestors, the cell expression)."""
    if level == 0:
        return Station.__table__, Station.grid_id
    chain = [aliased(Grid, name=f"g{i}") for i in range(4)]
    joined = Station.__table__.outerjoin(chain[0], chain[0].id == Station.grid_id)
    for child, parent in itertools.pairwise(chain):
        joined = joined.outerjoin(parent, parent.id == child.parent_id)
    cell = case(*((g.level == level, g.id) for g in chain), else_=None)
    return joined, cell


def station_means(prefix: str, period: Period, method: HotspotMethod, hours: int) -> Any:
    """The CTE of complete stations' means: (station_id, cell_id, pollutant, mean)."""
    need = math.ceil(method.completeness * hours - 1e-9)
    joined, cell = station_cells(method.grid_level)
    return (
        select(
            Station.id.label("station_id"),
            cell.label("cell_id"),
            Reading.pollutant.label("pollutant"),
            func.avg(Reading.value).label("mean"),
        )
        .select_from(Reading.__table__.join(joined, Station.mn == Reading.mn))
        .where(
            valid_hours_condition(period, method.pollutants),
            Station.region_code.startswith(prefix),
        )
        .group_by(Station.id, cell, Reading.pollutant)
        .having(func.count() >= need)
        .cte("station_means")
    )


def aggregate(
    session: Session, prefix: str, period: Period, method: HotspotMethod, hours: int
) -> list[tuple[int | None, str, float, int]]:
    """(cell id or None for the city, pollutant, mean of station means, stations) rows."""
    means = station_means(prefix, period, method, hours)
    cells = (
        select(means.c.cell_id, means.c.pollutant, func.avg(means.c.mean), func.count())
        .where(means.c.cell_id.is_not(None))
        .group_by(means.c.cell_id, means.c.pollutant)
    )
    city = select(
        literal(None, Integer).label("cell_id"),
        means.c.pollutant,
        func.avg(means.c.mean),
        func.count(),
    ).group_by(means.c.pollutant)
    rows = session.execute(union_all(cells, city))
    return [(r[0], r[1], float(r[2]), int(r[3])) for r in rows]


def _station_counts(session: Session, prefix: str, level: int) -> dict[int | None, int]:
    joined, cell = station_cells(level)
    rows = session.execute(
        select(cell, func.count(Station.id))
        .select_from(joined)
        .where(Station.region_code.startswith(prefix))
        .group_by(cell)
    )
    return {cell_id: int(count) for cell_id, count in rows}


def compute_ranking(
    session: Session,
    city: Region,
    period: Period,
    now: dt.datetime,
    method: HotspotMethod | None = None,
) -> Ranking:
    """Rank ``city``'s grid cells for ``period`` (nothing is written)."""
    method = method or load_method()
    hours = period.hours_until(now)
    if hours <= 0:
        problem = msg("%(period)s 尚未开始，无法计算", period=period.label)
        raise BadRequest(problem, {period.kind: [problem]})
    prefix = region_prefix(city.code)
    rows = aggregate(session, prefix, period, method, hours)
    counts = _station_counts(session, prefix, method.grid_level)
    by_cell: dict[int, tuple[dict[str, float], dict[str, int]]] = {}
    city_means: dict[str, float] = {}
    city_complete: dict[str, int] = {}
    for cell_id, pollutant, mean, stations in rows:
        if cell_id is None:
            city_means[pollutant], city_complete[pollutant] = mean, stations
            continue
        means, complete = by_cell.setdefault(cell_id, ({}, {}))
        means[pollutant], complete[pollutant] = mean, stations
    ranked = method.ranked_by
    grids = {g.id: g for g in session.scalars(select(Grid).where(Grid.id.in_(by_cell))) if by_cell}
    cells = [
        CellMean(gid, grids[gid].code, grids[gid].name, means, complete, counts.get(gid, 0))
        for gid, (means, complete) in by_cell.items()
        if ranked in means
    ]
    if method.city_mean == "cells":
        for pollutant in method.pollutants:
            values = [c.means[pollutant] for c in cells if pollutant in c.means]
            if values:
                city_means[pollutant] = sum(values) / len(values)
    cells.sort(key=lambda c: (-c.means[ranked], c.code))
    limit = city_means.get(ranked)
    threshold = None if limit is None else limit * (1 + method.margin)
    cells = [
        CellMean(
            c.grid_id,
            c.code,
            c.name,
            c.means,
            c.complete,
            c.stations,
            rank=i,
            hotspot=threshold is not None and c.means[ranked] >= threshold - 1e-9,
        )
        for i, c in enumerate(cells, 1)
    ]
    return Ranking(
        city, period, method, hours, city_means, city_complete, sum(counts.values()), cells
    )


def valid_hours_condition(period: Period, pollutants: tuple[str, ...]) -> Any:
    """The readings of ``pollutants`` that count: valid hourly means inside ``period``."""
    return and_(
        Reading.cn == CN_HOURLY,
        Reading.time >= period.start,
        Reading.time < period.end,
        Reading.pollutant.in_(pollutants),
        valid_mean(),
        Reading.value.is_not(None),
    )
