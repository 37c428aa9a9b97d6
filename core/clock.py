"""Today's date where the records live: China (UTC+8), whatever the server's time zone.

Decision dates, inspections and tip-off closures are Chinese calendar days; comparing them
with the server's UTC date would, for eight hours a day, treat today's records as future.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """The current date in China."""
    return dt.datetime.now(CHINA).date()


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date in China (deadlines and statistics count in Beijing time)."""
    return moment.astimezone(CHINA).date()


def cn_time(moment: dt.datetime | None) -> str:
    """A timestamp as Beijing time for pages, e.g. ``2026-07-01 09:30``."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 text of a date or an aware timestamp (``T`` separator), None for None."""
    return value.isoformat() if value is not None else None
