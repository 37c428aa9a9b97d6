"""Factories of the monitoring pages' tests: a station, an outlet with limits, hourly means."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.clock import CHINA
from credit.monitoring.models import CN_HOURLY, Outlet, OutletLimit, Station
from credit.monitoring.storage import ReadingRow, store_readings


def create_station(session: Session, mn: str = "ST0001", **overrides: Any) -> Station:
    """A micro-station in 城关区 (in no grid unless ``grid_id`` is given)."""
    values: dict[str, Any] = {
        "mn": mn,
        "name": f"测试微站{mn}",
        "kind": "micro",
        "latitude": Decimal("36.050000"),
        "longitude": Decimal("103.850000"),
        "region_code": "620102",
        "password_hash": "not-a-real-hash",
    }
    values.update(overrides)
    from tests.factories import ensure_reference

    ensure_reference(session, values["region_code"])
    station = Station(**values)
    session.add(station)
    session.flush()
    return station


def create_outlet(
    session: Session,
    enterprise: Any,
    mn: str = "OUT001",
    limits: dict[str, float] | None = None,
    **overrides: Any,
) -> Outlet:
    """A gas outlet DA001 of ``enterprise`` with ``limits`` (default SO2 50, NOx 100)."""
    values: dict[str, Any] = {
        "mn": mn,
        "enterprise_id": enterprise.id,
        "outlet_code": "DA001",
        "kind": "gas",
        "commissioned_on": dt.date(2024, 1, 1),
        "password_hash": "not-a-real-hash",
    }
    values.update(overrides)
    outlet = Outlet(**values)
    session.add(outlet)
    session.flush()
    for pollutant, limit in (limits or {"a21026": 50.0, "a21002": 100.0}).items():
        session.add(
            OutletLimit(outlet_id=outlet.id, pollutant=pollutant, limit=Decimal(str(limit)))
        )
    session.flush()
    return outlet


def china_hour(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), CHINA)


def add_hours(
    session: Session, mn: str, pollutant: str, day: dt.date, values: Iterable[Any]
) -> None:
    """Hourly means from 00:00 China time of ``day``: a number (flag N), a (value, flag) pair
    or None (no reading that hour)."""
    rows = []
    for hour, item in enumerate(values):
        if item is None:
            continue
        value, flag = item if isinstance(item, tuple) else (item, "N")
        start = china_hour(day, 0) + dt.timedelta(hours=hour)
        rows.append(ReadingRow(mn, CN_HOURLY, pollutant, start, value, flag))
    store_readings(session, rows)
