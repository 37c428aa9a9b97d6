"""Working-day deadlines with Chinese public holidays and make-up working days."""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def is_workday(day: dt.date) -> bool:
    """A working day by the State Council's holiday notice; weekdays beyond its data."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # years the library has no notice for yet
        return day.weekday() < 5


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
