"""Hotspot cases: the top hotspots of a ranking open a supervision case in their grid, listing
the suspects for the grid officers' 溯源 (source tracing).

Suspects are the ledger's point sources and the enterprises (by their coordinates) inside the
cell's outline, those within ``radius_km`` of the centre of the cell's stations, and — when the
cell's stations measured wind (a01008 direction, a01007 speed) in the period — those upwind:
within ``upwind_radius_km`` and ± ``upwind_sector_deg`` of the mean wind direction. The mean
wind is the vector mean of the hourly (direction, speed) pairs; slower than ``calm_speed`` it
gives no direction. A cell opens one case per period, however often the ranking is recomputed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.db import utcnow
from credit.grids.models import Grid
from credit.maps.geometry import contains, polygons_of
from credit.monitoring.hotspot_models import (
    SUSPECT_REASON_NAMES,
    HotspotCase,
    HotspotSuspect,
)
from credit.monitoring.hotspot_store import known_city, store_ranking
from credit.monitoring.hotspots import (
    CellMean,
    HotspotMethod,
    Ranking,
    compute_ranking,
    parse_period,
    station_cells,
    valid_hours_condition,
)
from credit.monitoring.models import Reading, Station
from credit.records.models import Enterprise
from credit.records.nearby import circle_box, distance_km
from credit.sources.models import PointSource
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.models import SupervisionCase

#: the most suspects written out in a case's description (all are stored)
DESCRIBED_SUSPECTS = 20


@dataclass(frozen=True)
class Suspect:
    """A point source or an enterprise near a hotspot."""

    kind: str  # "source" | "enterprise"
    id: int
    label: str
    reason: str
    distance_km: float


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The initial great-circle bearing from point 1 to point 2 (degrees from north)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def angle_between(a: float, b: float) -> float:
    """The smaller angle between two bearings (0–180°)."""
    d = abs(a - b) % 360
    return min(d, 360 - d)


def mean_wind_from(pairs: list[tuple[float, float]], calm_speed: float) -> float | None:
    """The vector-mean direction the wind came from (degrees) of (direction, speed) pairs;
    None without data or when the mean wind is slower than ``calm_speed`` (m/s)."""
    if not pairs:
        return None
    # the wind blows towards direction + 180°: sum that vector, then turn it back
    east = sum(-s * math.sin(math.radians(d)) for d, s in pairs) / len(pairs)
    north = sum(-s * math.cos(math.radians(d)) for d, s in pairs) / len(pairs)
    if math.hypot(east, north) < max(calm_speed, 1e-9):
        return None
    return (math.degrees(math.atan2(-east, -north)) + 360) % 360


def _cell_stations(session: Session, cell: CellMean, method: HotspotMethod) -> list[Station]:
    joined, cell_expr = station_cells(method.grid_level)
    stmt = select(Station).select_from(joined).where(cell_expr == cell.grid_id)
    return list(session.scalars(stmt.order_by(Station.mn)))


def cell_wind(
    session: Session, stations: list[Station], ranking: Ranking, method: HotspotMethod
) -> float | None:
    """The mean wind direction at the cell's stations in the period (None: no wind data)."""
    wanted = (method.wind_direction, method.wind_speed)
    rows = session.execute(
        select(Reading.mn, Reading.time, Reading.pollutant, Reading.value).where(
            valid_hours_condition(ranking.period, wanted),
            Reading.mn.in_([s.mn for s in stations]),
        )
    )
    hours: dict[tuple[str, object], dict[str, float]] = {}
    for mn, time, pollutant, value in rows:
        if value is not None:
            hours.setdefault((mn, time), {})[pollutant] = value
    pairs = [
        (h[method.wind_direction], h[method.wind_speed])
        for h in hours.values()
        if method.wind_direction in h and method.wind_speed in h
    ]
    return mean_wind_from(pairs, method.calm_speed)


def _reason(
    inside: bool, distance: float, bearing: float, wind_from: float | None, method: HotspotMethod
) -> str | None:
    if inside:
        return "in_cell"
    if distance <= method.radius_km:
        return "nearby"
    if (
        wind_from is not None
        and distance <= method.upwind_radius_km
        and angle_between(bearing, wind_from) <= method.upwind_sector_deg
    ):
        return "upwind"
    return None


def find_suspects(
    session: Session,
    grid: Grid,
    centre: tuple[float, float],
    wind_from: float | None,
    method: HotspotMethod,
) -> list[Suspect]:
    """The point sources and enterprises in, near or upwind of ``grid`` (nearest first per
    reason: in the cell, nearby, upwind)."""
    lat, lon = centre
    reach = max(method.radius_km, method.upwind_radius_km if wind_from is not None else 0)
    box = circle_box(lat, lon, reach)
    polygons = polygons_of(grid.geometry)
    west, east = min(box.west, grid.min_lon), max(box.east, grid.max_lon)
    south, north = min(box.south, grid.min_lat), max(box.north, grid.max_lat)
    found: list[Suspect] = []
    kinds: tuple[tuple[str, Any, Callable[[Any], str]], ...] = (
        ("source", PointSource, lambda r: f"{r.name}（{r.code}）"),
        ("enterprise", Enterprise, lambda r: f"{r.name}（{r.uscc}）"),
    )
    for kind, model, label in kinds:
        rows = session.scalars(
            select(model).where(
                and_(model.latitude.between(south, north), model.longitude.between(west, east))
            )
        )
        for row in rows:
            plat, plon = float(row.latitude), float(row.longitude)
            inside = (kind == "source" and row.grid_id == grid.id) or contains(polygons, plon, plat)
            distance = distance_km(lat, lon, plat, plon)
            reason = _reason(inside, distance, bearing_deg(lat, lon, plat, plon), wind_from, method)
            if reason is not None:
                found.append(Suspect(kind, row.id, label(row), reason, round(distance, 3)))
    order = {reason: i for i, reason in enumerate(SUSPECT_REASON_NAMES)}
    found.sort(key=lambda s: (order[s.reason], s.distance_km, s.kind, s.id))
    return found[: method.max_suspects]


def _description(
    ranking: Ranking, cell: CellMean, wind_from: float | None, suspects: list[Suspect]
) -> str:
    method = ranking.method
    city_mean = ranking.city_means[method.ranked_by]
    above = (cell.means[method.ranked_by] / city_mean - 1) * 100 if city_mean else 0.0
    lines = [
        f"热点网格：{ranking.city.name}{ranking.period.label} PM2.5 排名第 {cell.rank} 位，"
        f"网格 {cell.name}（{cell.code}）均值 {cell.means[method.ranked_by]:.1f} µg/m³，"
        f"全市均值 {city_mean:.1f} µg/m³，高出 {above:.0f}%"
        f"（热点标准：高出 {method.margin * 100:.0f}% 及以上；方法 {method.version}）。",
    ]
    if wind_from is not None:
        lines.append(f"时段平均风向：来自 {wind_from:.0f}°。")
    if suspects:
        lines.append("疑似污染源：")
        lines.extend(
            f"- [{SUSPECT_REASON_NAMES[s.reason]}] {s.label}，距 {s.distance_km:.2f} km"
            for s in suspects[:DESCRIBED_SUSPECTS]
        )
        if len(suspects) > DESCRIBED_SUSPECTS:
            more = len(suspects) - DESCRIBED_SUSPECTS
            lines.append(f"……另有 {more} 个，见疑似源清单。")
    else:
        lines.append("网格内及周边暂无登记的污染源或企业。")
    return "\n".join(lines)[:4000]


def _open_case(session: Session, ranking: Ranking, cell: CellMean) -> SupervisionCase | None:
    method = ranking.method
    grid = session.get(Grid, cell.grid_id)
    assert grid is not None
    stations = _cell_stations(session, cell, method)
    if stations:
        lat = sum(float(s.latitude) for s in stations) / len(stations)
        lon = sum(float(s.longitude) for s in stations) / len(stations)
    else:
        lat, lon = (grid.min_lat + grid.max_lat) / 2, (grid.min_lon + grid.max_lon) / 2
    wind_from = cell_wind(session, stations, ranking, method) if stations else None
    suspects = find_suspects(session, grid, (lat, lon), wind_from, method)
    case = create_case(
        session,
        None,
        CaseInput(
            origin="monitoring",
            case_class=method.case_class,
            description=_description(ranking, cell, wind_from, suspects),
            latitude=f"{lat:.6f}",
            longitude=f"{lon:.6f}",
            grid_code=grid.code,
        ),
    )
    link = HotspotCase(
        grid_id=grid.id, period=ranking.period.label, case_id=case.id, wind_from_deg=wind_from
    )
    session.add(link)
    session.flush()
    session.add_all(
        HotspotSuspect(
            hotspot_case_id=link.id,
            point_source_id=s.id if s.kind == "source" else None,
            enterprise_id=s.id if s.kind == "enterprise" else None,
            reason=s.reason,
            distance_km=s.distance_km,
        )
        for s in suspects
    )
    session.flush()
    return case


def open_hotspot_cases(session: Session, ranking: Ranking) -> list[SupervisionCase]:
    """A case for each of the top ``cases.top`` hotspots that has none for this period yet
    (cells are taken in rank order; a cell that already has its case counts towards the top)."""
    hotspots = [c for c in ranking.cells if c.hotspot][: ranking.method.top_cases]
    if not hotspots:
        return []
    existing = set(
        session.scalars(
            select(HotspotCase.grid_id).where(
                HotspotCase.period == ranking.period.label,
                HotspotCase.grid_id.in_([c.grid_id for c in hotspots]),
            )
        )
    )
    opened = []
    for cell in hotspots:
        if cell.grid_id not in existing:
            case = _open_case(session, ranking, cell)
            if case is not None:
                opened.append(case)
    return opened


@dataclass(frozen=True)
class HotspotRun:
    """What `flask monitoring hotspots` did."""

    ranking: Ranking
    cases: list[SupervisionCase]


def rank_hotspots(
    session: Session,
    city_code: str,
    month: str | None,
    day: str | None = None,
    now: dt.datetime | None = None,
) -> HotspotRun:
    """Compute and store the city's ranking for the month (or day), then open the top
    hotspots' cases. Flushes; the command commits."""
    city = known_city(session, city_code)
    period = parse_period(month, day)
    now = now or utcnow()
    ranking = compute_ranking(session, city, period, now)
    store_ranking(session, ranking, now)
    return HotspotRun(ranking, open_hotspot_cases(session, ranking))
