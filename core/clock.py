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
