"""What the monitoring pages show: an outlet's day (hourly means per pollutant against its
limits, the month's days at a glance) and a station's PM2.5/PM10 for a day or a month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.clock import CHINA
from credit.monitoring.browsing import get_outlet, get_station
from credit.monitoring.pollutants import STATION_CHART_POLLUTANTS
from credit.monitoring.series import (
    MAX_PAGE_SIZE,
    DaySummary,
    daily_summary,
    day_period,
    find_device,
    latest_day,
    month_first,
    month_period,
    next_month,
    parse_day,
    parse_month,
    reading_page,
)

HOURS = 24


@dataclass(frozen=True)
class MonthDay:
    """One day of a month at a glance."""

    day: dt.date
    hours: int
    invalid_hours: int
    exceedance_hours: int


@dataclass
class OutletDay:
    outlet: dict[str, Any]
    day: dt.date
    #: the pollutants shown: those with a limit first, then any others measured that day
    pollutants: list[str]
    #: HOURS rows, each {pollutant: reading item or None}
    hours: list[dict[str, dict[str, Any] | None]]
    summaries: dict[str, DaySummary]
    month: list[MonthDay]
    prev_month: dt.date
    next_month: dt.date
    #: the flags that occur on the day, for the legend
    flags: list[str] = field(default_factory=list)


def _hour_rows(items: list[dict[str, Any]]) -> list[dict[str, dict[str, Any] | None]]:
    rows: list[dict[str, dict[str, Any] | None]] = [{} for _ in range(HOURS)]
    for item in items:
        hour = dt.datetime.fromisoformat(item["time"]).astimezone(CHINA).hour
        rows[hour][item["pollutant"]] = item
    return rows


def _month(summaries: list[DaySummary]) -> list[MonthDay]:
    days: dict[dt.date, list[int]] = {}
    for s in summaries:
        counts = days.setdefault(s.day, [0, 0, 0])
        counts[0] = max(counts[0], s.hours)
        counts[1] += s.hours - s.valid_hours
        counts[2] += s.exceedance_hours
    return [MonthDay(day, *counts) for day, counts in sorted(days.items())]


def outlet_day(session: Session, mn: str, date_text: str | None, today: dt.date) -> OutletDay:
    """The outlet's hourly means on ``date_text`` (default: its newest day with data), each
    against its limit, and the days of that month with their invalid and exceedance hours."""
    outlet = get_outlet(session, mn)
    device = find_device(session, outlet["mn"], "outlet")
    day = parse_day(date_text, latest_day(session, device) or today)
    items = reading_page(session, device, day_period(day), limit=MAX_PAGE_SIZE).items
    measured = sorted({i["pollutant"] for i in items} - set(outlet["limits"]))
    summaries = daily_summary(session, device, month_period(day))
    return OutletDay(
        outlet=outlet,
        day=day,
        pollutants=sorted(outlet["limits"]) + measured,
        hours=_hour_rows(items),
        summaries={s.pollutant: s for s in summaries if s.day == day},
        month=_month(summaries),
        prev_month=month_first(month_first(day) - dt.timedelta(days=1)),
        next_month=next_month(day),
        flags=sorted({i["flag"] for i in items}),
    )


@dataclass
class StationSeries:
    station: dict[str, Any]
    #: "day": hourly means of ``day``; "month": daily means of the month of ``day``
    mode: str
    day: dt.date
    labels: list[str]
    #: pollutant → one value per label (None: no valid value)
    values: dict[str, list[float | None]]
    #: the table: per label, pollutant → (value, flag or "", valid) or None
    rows: list[tuple[str, dict[str, tuple[float | None, str, bool] | None]]]
    previous: dt.date
    following: dt.date
    pollutants: tuple[str, ...] = STATION_CHART_POLLUTANTS


def _cell(item: dict[str, Any] | None) -> tuple[float | None, str, bool] | None:
    return (item["value"], item["flag"], item["valid"]) if item else None


def _station_day(station: dict[str, Any], items: list[dict[str, Any]], day: dt.date) -> Any:
    rows = _hour_rows(items)
    labels = [f"{h:02d}:00" for h in range(HOURS)]
    cells = [{p: _cell(r.get(p)) for p in STATION_CHART_POLLUTANTS} for r in rows]
    values = {
        p: [c[p][0] if c[p] and c[p][2] else None for c in cells]  # type: ignore[index]
        for p in STATION_CHART_POLLUTANTS
    }
    table = list(zip(labels, cells, strict=True))
    one = dt.timedelta(days=1)
    return StationSeries(station, "day", day, labels, values, table, day - one, day + one)


def _station_month(station: dict[str, Any], summaries: list[DaySummary], first: dt.date) -> Any:
    days = (next_month(first) - first).days
    labels = [(first + dt.timedelta(days=n)).isoformat() for n in range(days)]
    means: dict[str, list[float | None]] = {p: [None] * days for p in STATION_CHART_POLLUTANTS}
    cells: list[dict[str, tuple[float | None, str, bool] | None]] = [{} for _ in range(days)]
    for s in summaries:
        n = (s.day - first).days
        if 0 <= n < days:
            mean = round(s.mean, 1) if s.mean is not None else None
            means[s.pollutant][n] = mean
            cells[n][s.pollutant] = (mean, "", True) if mean is not None else None
    table = [
        (label, {p: c.get(p) for p in STATION_CHART_POLLUTANTS})
        for label, c in zip(labels, cells, strict=True)
    ]
    previous = month_first(first - dt.timedelta(days=1))
    return StationSeries(station, "month", first, labels, means, table, previous, next_month(first))


def station_series(
    session: Session, mn: str, date_text: str | None, month_text: str | None, today: dt.date
) -> StationSeries:
    """PM2.5/PM10 at the station: hourly means of a day (``date``, default its newest day
    with data) or, with ``month=YYYY-MM``, the daily means of the valid hours."""
    station = get_station(session, mn)
    device = find_device(session, station["mn"], "station")
    month = parse_month(month_text)
    if month is not None:
        summaries = daily_summary(
            session, device, month_period(month), pollutants=STATION_CHART_POLLUTANTS
        )
        return _station_month(station, summaries, month)
    day = parse_day(date_text, latest_day(session, device) or today)
    items = reading_page(session, device, day_period(day), limit=MAX_PAGE_SIZE).items
    items = [i for i in items if i["pollutant"] in STATION_CHART_POLLUTANTS]
    return _station_day(station, items, day)
