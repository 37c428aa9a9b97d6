"""China's calendar (UTC+8) of readings: the day and month of an hour's start, in SQL and Python.

Rulebook 2026.2 counts exceedance days and data-completeness months by the China date of the
hour's start. The SQL forms are defined here once (SQLite stores naive UTC text, PostgreSQL
``timestamptz``); the other monitoring modules import them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy import Date, cast, func

from core.clock import CHINA
from credit.ratings.rules import add_months

#: PostgreSQL's name of China's time zone (no daylight saving: always UTC+8)
CHINA_ZONE = CHINA.key


def china_day_sql(column: Any, dialect: str) -> Any:
    """The China date of a UTC timestamp column, as a SQL date expression.

    SQLite: ``date(time, '+8 hours')``; PostgreSQL: ``(time AT TIME ZONE <China>)::date``.
    """
    if dialect == "postgresql":
        return cast(func.timezone(CHINA_ZONE, column), Date)
    return func.date(column, "+8 hours", type_=Date)


def china_month_sql(column: Any, dialect: str) -> Any:
    """The first day of the China month of a UTC timestamp column (a SQL date)."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", func.timezone(CHINA_ZONE, column)), Date)
    return func.date(column, "+8 hours", "start of month", type_=Date)


def china_start(day: dt.date) -> dt.datetime:
    """The moment (aware) a China day begins: bounds for ``readings.time``."""
    return dt.datetime.combine(day, dt.time(), CHINA)


def month_start(day: dt.date, months: int = 0) -> dt.date:
    """The first day of ``day``'s month, moved by ``months`` calendar months."""
    return add_months(day.replace(day=1), months)


def hours_in_month(month: dt.date) -> int:
    """The hours of a China calendar month (China keeps no daylight saving)."""
    return calendar.monthrange(month.year, month.month)[1] * 24
