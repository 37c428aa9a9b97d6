"""A device's hourly series: periods in China's calendar, keyset pages of hourly means, and
daily summaries aggregated in SQL (valid hours, exceedance hours against the outlet's limits,
peak and mean of the valid hours).

A value is *valid* when it is a mean flagged N or T (models.is_valid_mean: a total alone is
not); it *exceeds* when it is valid and above the outlet's limit for that pollutant (stations
have no limits: ``exceeds`` null).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from core.clock import CHINA
from core.errors import BadRequest, NotFound
from core.messages import msg
from credit.monitoring.columns import MN, POLLUTANT
from credit.monitoring.models import (
    CN_HOURLY,
    OutletLimit,
    Reading,
    is_valid_mean,
    limit_of,
    over_limit,
    valid_mean,
)
from credit.monitoring.periods import china_day_sql
from credit.monitoring.storage import Device, device_for

#: the longest period one request may ask for
MAX_SPAN_DAYS = 366
#: without ``from``: the last seven China days
DEFAULT_SPAN_DAYS = 7
PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
#: the years a request may name (dates beyond would overflow when moved between time zones)
MIN_YEAR, MAX_YEAR = 1990, 2200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: a reading cursor: the last item's hour (Unix seconds) and pollutant
CURSOR = re.compile(r"^(\d{1,11})_([a-z][0-9a-z]{5})$")


@dataclass(frozen=True)
class Period:
    """[start, end) as aware UTC timestamps."""

    start: dt.datetime
    end: dt.datetime


def day_start(day: dt.date) -> dt.datetime:
    """The UTC instant a China calendar day begins."""
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def day_period(day: dt.date) -> Period:
    """The China calendar day ``day``."""
    return Period(day_start(day), day_start(day + dt.timedelta(days=1)))


def month_first(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    first = month_first(day)
    return (first + dt.timedelta(days=32)).replace(day=1)


def month_period(day: dt.date) -> Period:
    """The China calendar month containing ``day``."""
    return Period(day_start(month_first(day)), day_start(next_month(day)))


def _bad(param: str, message: Any) -> BadRequest:
    return BadRequest(message, {param: [message]})


def _instant(text: str, param: str, end: bool) -> dt.datetime:
    """A China date (its start; ``end``: the next day's start) or an ISO 8601 date-time
    (without an offset: China time)."""
    try:
        if _DATE.match(text):
            day = dt.date.fromisoformat(text)
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise _bad(param, msg("%(param)s 超出可查询的年份范围", param=param))
            return day_start(day + dt.timedelta(days=1) if end else day)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        message = msg("%(param)s 应为日期 YYYY-MM-DD 或时间 YYYY-MM-DDTHH:MM", param=param)
        raise _bad(param, message) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise _bad(param, msg("%(param)s 超出可查询的年份范围", param=param))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(dt.UTC)


def parse_period(start: str | None, end: str | None, today: dt.date) -> Period:
    """``from``/``to`` of an API request: dates are whole China days (``to`` included),
    date-times are instants (``to`` excluded). Defaults: ``to`` the end of today, ``from``
    seven days before ``to``. BadRequest for unreadable, reversed or too long periods."""
    stop = _instant(end.strip(), "to", True) if end and end.strip() else day_period(today).end
    begin = (
        _instant(start.strip(), "from", False)
        if start and start.strip()
        else stop - dt.timedelta(days=DEFAULT_SPAN_DAYS)
    )
    if begin >= stop:
        raise _bad("from", msg("from 应早于 to"))
    if stop - begin > dt.timedelta(days=MAX_SPAN_DAYS):
        raise _bad("to", msg("一次最多查询 %(days)s 天", days=MAX_SPAN_DAYS))
    return Period(begin, stop)


def parse_day(text: str | None, default: dt.date) -> dt.date:
    """A page's ``date=YYYY-MM-DD`` (BadRequest when unreadable; ``default`` when absent)."""
    if not text:
        return default
    try:
        if not _DATE.match(text.strip()):
            raise ValueError(text)
        day = dt.date.fromisoformat(text.strip())
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValueError(text)
        return day
    except ValueError:
        raise _bad("date", msg("日期应写作 YYYY-MM-DD")) from None


def parse_month(text: str | None) -> dt.date | None:
    """A page's ``month=YYYY-MM`` as its first day (None when absent; BadRequest when bad)."""
    if not text:
        return None
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise _bad("month", msg("月份应写作 YYYY-MM"))
    if not MIN_YEAR <= int(found.group(1)) <= MAX_YEAR:
        raise _bad("month", msg("月份应写作 YYYY-MM"))
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def parse_pollutant(text: str | None) -> str | None:
    """A ``pollutant=`` filter as an HJ 212 code (None when absent; BadRequest when bad)."""
    if not text:
        return None
    code = text.strip().lower()
    if not POLLUTANT.match(code):
        raise _bad("pollutant", msg("污染物应为 HJ 212 编码，如 a21026（二氧化硫）"))
    return code


def parse_cursor(text: str | None) -> tuple[dt.datetime, str] | None:
    """``after`` of a reading page: ``<Unix seconds>_<pollutant>`` of the last item."""
    if not text:
        return None
    found = CURSOR.match(text.strip())
    if not found:
        raise _bad("after", msg("after 应为上一页返回的 next_after"))
    return dt.datetime.fromtimestamp(int(found.group(1)), dt.UTC), found.group(2)


def cursor_of(item_time: dt.datetime, pollutant: str) -> str:
    """The ``next_after`` of a page ending with this hour and pollutant."""
    return f"{int(item_time.timestamp())}_{pollutant}"


def find_device(session: Session, mn: str, kind: str | None = None) -> Device:
    """The station or outlet ``mn`` (of ``kind`` when given); NotFound otherwise."""
    text = (mn or "").strip()
    device = device_for(session, text) if MN.match(text) else None
    text = text[:24]
    if device is None or (kind is not None and device.kind != kind):
        shown = text or "-"
        if kind == "station":
            raise NotFound(msg("未找到监测站点 %(mn)s", mn=shown))
        if kind == "outlet":
            raise NotFound(msg("未找到排放口 %(mn)s", mn=shown))
        raise NotFound(msg("未找到设备 %(mn)s", mn=shown))
    return device


def _limit_join(device: Device) -> Any:
    """The ON clause joining a reading to its outlet's limit (never true for a station)."""
    return limit_of(device.id if device.kind == "outlet" else -1)


def _hourly(device: Device, period: Period, pollutant: str | None) -> list[Any]:
    conds: list[Any] = [
        Reading.mn == device.mn,
        Reading.cn == CN_HOURLY,
        Reading.time >= period.start,
        Reading.time < period.end,
    ]
    if pollutant:
        conds.append(Reading.pollutant == pollutant)
    return conds


def reading_item(row: Any, mn: str) -> dict[str, Any]:
    """One hourly mean as the API and pages show it (time in China time)."""
    valid = is_valid_mean(row.flag, row.value)
    limit = float(row.limit) if row.limit is not None else None
    exceeds = None if limit is None else bool(valid and row.value is not None and row.value > limit)
    return {
        "mn": mn,
        "time": row.time.astimezone(CHINA).isoformat(),
        "pollutant": row.pollutant,
        "value": row.value,
        "min": row.min,
        "max": row.max,
        "total": row.total,
        "flag": row.flag,
        "valid": valid,
        "limit": limit,
        "exceeds": exceeds,
    }


@dataclass(frozen=True)
class ReadingPage:
    device: Device
    period: Period
    items: list[dict[str, Any]]
    next_after: str | None


def reading_page(
    session: Session,
    device: Device,
    period: Period,
    pollutant: str | None = None,
    after: tuple[dt.datetime, str] | None = None,
    limit: int = PAGE_SIZE,
) -> ReadingPage:
    """The device's hourly means in ``period``, ordered by (time, pollutant), after the
    cursor ``after``; each with its flag, validity, limit and exceedance."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    conds = _hourly(device, period, pollutant)
    if after is not None:
        at, code = after
        conds.append(or_(Reading.time > at, and_(Reading.time == at, Reading.pollutant > code)))
    rows = session.execute(
        select(
            Reading.time,
            Reading.pollutant,
            Reading.value,
            Reading.min,
            Reading.max,
            Reading.total,
            Reading.flag,
            OutletLimit.limit,
        )
        .outerjoin(OutletLimit, _limit_join(device))
        .where(*conds)
        .order_by(Reading.time, Reading.pollutant)
        .limit(limit + 1)
    ).all()
    items = [reading_item(r, device.mn) for r in rows[:limit]]
    more = len(rows) > limit
    next_after = cursor_of(rows[limit - 1].time, rows[limit - 1].pollutant) if more else None
    return ReadingPage(device, period, items, next_after)


@dataclass(frozen=True)
class DaySummary:
    """One pollutant's hours on one China day."""

    day: dt.date
    pollutant: str
    hours: int
    valid_hours: int
    #: valid hours above the limit (0 without a limit)
    exceedance_hours: int
    #: the highest and the mean valid hourly mean (None without valid hours)
    peak: float | None
    mean: float | None
    limit: float | None


def daily_summary(
    session: Session, device: Device, period: Period, pollutants: tuple[str, ...] = ()
) -> list[DaySummary]:
    """Per China day and pollutant in ``period``: hours, valid hours, exceedance hours, peak
    and mean, by one grouped query."""
    day = china_day_sql(Reading.time, session.get_bind().dialect.name).label("day")
    valid_value = case((valid_mean(), Reading.value))
    exceeding = case((over_limit(), 1), else_=0)
    conds = _hourly(device, period, None)
    if pollutants:
        conds.append(Reading.pollutant.in_(pollutants))
    rows = session.execute(
        select(
            day,
            Reading.pollutant,
            func.count().label("hours"),
            func.sum(case((valid_mean(), 1), else_=0)).label("valid_hours"),
            func.sum(exceeding).label("exceedance_hours"),
            func.max(valid_value).label("peak"),
            func.avg(valid_value).label("mean"),
            func.max(OutletLimit.limit).label("limit"),
        )
        .outerjoin(OutletLimit, _limit_join(device))
        .where(*conds)
        .group_by(day, Reading.pollutant)
        .order_by(day, Reading.pollutant)
    ).all()
    return [
        DaySummary(
            day=r.day if isinstance(r.day, dt.date) else dt.date.fromisoformat(str(r.day)),
            pollutant=r.pollutant,
            hours=int(r.hours),
            valid_hours=int(r.valid_hours or 0),
            exceedance_hours=int(r.exceedance_hours or 0),
            peak=float(r.peak) if r.peak is not None else None,
            mean=float(r.mean) if r.mean is not None else None,
            limit=float(r.limit) if r.limit is not None else None,
        )
        for r in rows
    ]


def latest_day(session: Session, device: Device) -> dt.date | None:
    """The China day of the device's newest hourly mean (None: no data)."""
    newest = session.scalar(
        select(func.max(Reading.time)).where(Reading.mn == device.mn, Reading.cn == CN_HOURLY)
    )
    if newest is None:
        return None
    if newest.tzinfo is None:  # SQLite's max() gives the stored naive UTC text back
        newest = newest.replace(tzinfo=dt.UTC)
    return newest.astimezone(CHINA).date()


@dataclass(frozen=True)
class ReadingQuery:
    """A reading request's parameters as typed (``start``/``end``: ``from``/``to``)."""

    start: str | None = None
    end: str | None = None
    pollutant: str | None = None
    after: str | None = None
    limit: int = PAGE_SIZE


def device_readings(
    session: Session, kind: str, mn: str, query: ReadingQuery, today: dt.date
) -> ReadingPage:
    """One page of the hourly series of the station or outlet ``mn`` (``kind``): BadRequest
    for unreadable parameters, NotFound for an unknown device."""
    period = parse_period(query.start, query.end, today)
    pollutant = parse_pollutant(query.pollutant)
    after = parse_cursor(query.after)
    device = find_device(session, mn, kind)
    return reading_page(session, device, period, pollutant, after, query.limit)
