"""Test helpers: an enterprise with one monitored outlet, and hourly means stored for real."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from core.clock import CHINA
from credit.monitoring.models import CN_HOURLY, Outlet, OutletLimit
from credit.monitoring.storage import ReadingRow, store_readings
from tests.factories import create_enterprise

SO2 = "a21026"


def create_outlet(
    session,
    enterprise=None,
    *,
    mn: str = "OUT0001",
    code: str = "DA001",
    commissioned_on: dt.date = dt.date(2025, 1, 1),
    limits: dict[str, float] | None = None,
    grid_id: int | None = None,
) -> Outlet:
    """An outlet (SO2 limit 35 mg/m³ unless ``limits``) of ``enterprise`` (a new one)."""
    enterprise = enterprise or create_enterprise(session)
    outlet = Outlet(
        mn=mn,
        enterprise_id=enterprise.id,
        outlet_code=code,
        kind="gas",
        commissioned_on=commissioned_on,
        grid_id=grid_id,
    )
    session.add(outlet)
    session.flush()
    for pollutant, limit in (limits or {SO2: 35}).items():
        session.add(OutletLimit(outlet_id=outlet.id, pollutant=pollutant, limit=Decimal(limit)))
    session.flush()
    return outlet


def china_hour(day: dt.date, hour: int) -> dt.datetime:
    """The start of an hour of a China day (aware)."""
    return dt.datetime.combine(day, dt.time(hour), CHINA)


def hours(first: dt.date, last: dt.date) -> Iterator[dt.datetime]:
    """Every hour of the China days first … last."""
    day = first
    while day <= last:
        for hour in range(24):
            yield china_hour(day, hour)
        day += dt.timedelta(days=1)


def store_means(
    session,
    mn: str,
    moments: Iterable[dt.datetime],
    value: float = 10.0,
    flag: str = "N",
    pollutant: str = SO2,
    replace: bool = False,
) -> None:
    """Hourly means (CN 2061) through the production store."""
    rows = [ReadingRow(mn, CN_HOURLY, pollutant, m, value, flag) for m in moments]
    store_readings(session, rows, replace=replace)
