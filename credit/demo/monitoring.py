"""The demo's monitoring network: a national station and micro-stations in the Lanzhou demo
grid, outlets of about twenty demo enterprises with their limits, and sixty days of hourly
means before ``REF`` — deterministic with the seed, with a few exceedance episodes and some
hours flagged invalid (maintenance, faults, calibration, lost communication).

Written in bulk: the stations, outlets and limits by executemany, the readings through
:func:`credit.monitoring.storage.store_readings` (partitions, one change-log row per outlet).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.changelog import record_change
from core.clock import CHINA
from core.db import utcnow
from credit.demo.generate import REF
from credit.demo.grids import DISTRICTS
from credit.grids.models import Grid
from credit.monitoring.models import (
    CN_HOURLY,
    STATION_ENTITY,
    Outlet,
    OutletLimit,
    Reading,
    Station,
)
from credit.monitoring.partitions import ensure_partitions
from credit.monitoring.pollutants import PM10, PM25
from credit.monitoring.storage import record_outlet_changes
from credit.records.models import Enterprise

DAYS = 60
MICRO_STATIONS = 8
OUTLET_ENTERPRISES = 20
#: the national station (兰州市职工医院站 stands near here), WGS-84
NATIONAL = ("620102", Decimal("36.061100"), Decimal("103.834300"))
#: gas and water outlets' pollutants: limit, typical share of the limit
GAS_LIMITS = {"a21026": 50.0, "a21002": 100.0, "a34013": 20.0}
WATER_LIMITS = {"w01018": 50.0, "w21003": 5.0}
#: invalid flags and their weights (N and T are the valid ones)
INVALID_FLAGS = ("M", "D", "C", "B", "F")
INVALID_WEIGHTS = (4, 2, 2, 3, 1)


@dataclass
class MonitoringCounts:
    stations: int = 0
    outlets: int = 0
    readings: int = 0


def _hours(ref: dt.date) -> list[dt.datetime]:
    """The UTC starts of every China hour of the DAYS days before ``ref``."""
    first = dt.datetime.combine(ref - dt.timedelta(days=DAYS), dt.time(), CHINA)
    return [(first + dt.timedelta(hours=h)).astimezone(dt.UTC) for h in range(DAYS * 24)]


def _stations(session: Session, rng: random.Random) -> list[dict[str, object]]:
    districts = [d.code for d in DISTRICTS]
    cells = session.execute(
        select(Grid.id, Grid.code, Grid.name, Grid.region_code, Grid.min_lat, Grid.max_lat)
        .add_columns(Grid.min_lon, Grid.max_lon)
        .where(Grid.level == 3, Grid.region_code.in_(districts))
        .order_by(Grid.code)
    ).all()
    now = utcnow()
    region, lat, lon = NATIONAL
    rows: list[dict[str, object]] = [
        {
            "mn": "ST62010200001",
            "name": "兰州市监测站（国控）",
            "kind": "national",
            "latitude": lat,
            "longitude": lon,
            "region_code": region,
            "grid_id": None,
            "password_hash": None,
            "created_at": now,
            "updated_at": now,
        }
    ]
    for n, cell in enumerate(sorted(rng.sample(cells, min(MICRO_STATIONS, len(cells)))), 1):
        rows.append(
            {
                "mn": f"ST{cell.region_code}{n + 1:05d}",
                "name": f"{cell.name}微型站",
                "kind": "micro",
                "latitude": Decimal(f"{(cell.min_lat + cell.max_lat) / 2:.6f}"),
                "longitude": Decimal(f"{(cell.min_lon + cell.max_lon) / 2:.6f}"),
                "region_code": cell.region_code,
                "grid_id": cell.id,
                "password_hash": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def _outlets(
    session: Session, rng: random.Random
) -> tuple[list[dict[str, object]], dict[str, dict[str, float]]]:
    """Outlet rows and their limits {mn: {pollutant: limit}} for demo enterprises in the
    grid's districts (every fourth also discharges water)."""
    candidates = session.execute(
        select(Enterprise.id, Enterprise.region_code, Enterprise.longitude, Enterprise.latitude)
        .where(
            Enterprise.region_code.in_([d.code for d in DISTRICTS]),
            Enterprise.status == "operating",
            Enterprise.latitude.is_not(None),
        )
        .order_by(Enterprise.id)
    ).all()
    chosen = sorted(rng.sample(candidates, min(OUTLET_ENTERPRISES, len(candidates))))
    from credit.sources.placing import grids_at  # shapely loads with the demo

    grids = grids_at(session, [(float(e.longitude), float(e.latitude)) for e in chosen])
    now = utcnow()
    rows: list[dict[str, object]] = []
    limits: dict[str, dict[str, float]] = {}
    for n, (ent, grid_id) in enumerate(zip(chosen, grids, strict=True)):
        kinds = [("gas", "DA001", GAS_LIMITS)] + (
            [("water", "DW001", WATER_LIMITS)] if n % 4 == 0 else []
        )
        for kind, code, wanted in kinds:
            mn = f"MN{ent.region_code}{ent.id:07d}{code[1]}"
            limits[mn] = dict(wanted)
            rows.append(
                {
                    "mn": mn,
                    "enterprise_id": ent.id,
                    "outlet_code": code,
                    "kind": kind,
                    "commissioned_on": REF - dt.timedelta(days=rng.randrange(400, 3000)),
                    "grid_id": grid_id,
                    "password_hash": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return rows, limits


def _row(mn: str, pollutant: str, hour: dt.datetime, value: float, flag: str) -> dict[str, object]:
    return {
        "mn": mn,
        "cn": CN_HOURLY,
        "pollutant": pollutant,
        "time": hour,
        "value": value,
        "min": None,
        "max": None,
        "flag": flag,
    }


def _flag(rng: random.Random) -> str:
    if rng.random() < 0.97:
        return "N"
    return rng.choices(INVALID_FLAGS, INVALID_WEIGHTS)[0]


def _outlet_series(
    rng: random.Random, mn: str, pollutant: str, limit: float, hours: list[dt.datetime]
) -> list[dict[str, object]]:
    """Around 30–60 % of the limit, a daily rhythm, rare exceedance episodes of 2–5 hours
    and a maintenance stretch now and then."""
    share = rng.uniform(0.3, 0.6)
    episodes = {rng.randrange(len(hours)) for _ in range(rng.choice((0, 0, 0, 0, 1, 2)))}
    rows: list[dict[str, object]] = []
    high = 0
    down = 0
    for i, hour in enumerate(hours):
        if i in episodes:
            high = rng.randint(2, 5)
        if down == 0 and rng.random() < 0.002:
            down = rng.randint(2, 8)
        daily = 1 + 0.25 * math.sin(2 * math.pi * ((i + 16) % 24) / 24)
        value = limit * share * daily * rng.uniform(0.85, 1.15)
        if high:
            value = limit * rng.uniform(1.1, 1.8)
            high -= 1
        flag = "M" if down else _flag(rng)
        down = max(down - 1, 0)
        rows.append(_row(mn, pollutant, hour, round(value, 3), flag))
    return rows


def _station_series(
    rng: random.Random, mn: str, weather: list[float], hours: list[dt.datetime]
) -> list[dict[str, object]]:
    """PM2.5 and PM10 (μg/m³) following the shared weather of the city, each station a bit
    dirtier or cleaner; a few hours lost to communication or calibration."""
    local = rng.uniform(0.8, 1.3)
    rows: list[dict[str, object]] = []
    for i, hour in enumerate(hours):
        hour_of_day = i % 24  # the hours start at a China midnight
        rush = 1 + 0.3 * math.exp(-((hour_of_day - 8) ** 2) / 8)
        rush += 0.4 * math.exp(-((hour_of_day - 21) ** 2) / 8)
        pm25 = max(5.0, weather[i // 24] * local * rush * rng.uniform(0.85, 1.15))
        flag = _flag(rng)
        rows.append(_row(mn, PM25, hour, round(pm25, 1), flag))
        pm10 = pm25 * rng.uniform(1.5, 2.2)
        rows.append(_row(mn, PM10, hour, round(pm10, 1), flag))
    return rows


#: the readings' columns, in the order _row gives them
COLUMNS = ("mn", "cn", "pollutant", "time", "value", "min", "max", "flag")


def _store(session: Session, readings: list[dict[str, object]], hours: list[dt.datetime]) -> None:
    """The readings by one driver-level executemany, partitions first, then one change-log
    row per outlet as store_readings writes them. The tables hold no demo device's readings
    (the network loads only without stations), so a plain INSERT is safe.

    Measured on SQLite (126,720 rows, the shared 2-core machine): the ORM bulk insert that
    store_readings does took 13.6 s, a Core insert 7–9 s, this 3–4 s: the hour's bind
    value is converted once per hour (``TypeEngine.bind_processor``, public API), not once
    per row, and no per-row parameter processing runs."""
    ensure_partitions(session, hours)
    connection = session.connection()
    dialect = connection.dialect
    convert = Reading.__table__.c.time.type.bind_processor(dialect)
    bound = {h: convert(h) if convert else h for h in hours}
    pyformat = dialect.paramstyle in ("pyformat", "format")  # psycopg; sqlite3 takes :name
    marks = ", ".join(f"%({c})s" if pyformat else f":{c}" for c in COLUMNS)
    sql = f"INSERT INTO readings ({', '.join(COLUMNS)}) VALUES ({marks})"  # noqa: S608 - constants
    for row in readings:
        row["time"] = bound[row["time"]]  # type: ignore[index]
    for start in range(0, len(readings), 50_000):
        connection.exec_driver_sql(sql, readings[start : start + 50_000])
    record_outlet_changes(session, {str(r["mn"]) for r in readings})


def load_demo_monitoring(session: Session, seed: int, ref: dt.date = REF) -> MonitoringCounts:
    """Stations, outlets with limits and DAYS days of hourly means; nothing when stations
    exist already. Flushes, does not commit."""
    counts = MonitoringCounts()
    if session.scalar(select(Station.id).limit(1)) is not None:
        return counts
    rng = random.Random(f"{seed}:monitoring")  # noqa: S311 - demo data, reproducible
    stations = _stations(session, rng)
    outlets, limits = _outlets(session, rng)
    session.execute(insert(Station), stations)
    if outlets:
        session.execute(insert(Outlet), outlets)
    ids = dict(session.execute(select(Outlet.mn, Outlet.id)).all())
    limit_rows = [
        {"outlet_id": ids[mn], "pollutant": p, "limit": Decimal(str(v))}
        for mn, wanted in limits.items()
        for p, v in wanted.items()
    ]
    if limit_rows:
        session.execute(insert(OutletLimit), limit_rows)
    hours = _hours(ref)
    weather = [35.0]
    for _ in range(DAYS):  # a random walk of the city's daily PM2.5 level, 15–110 μg/m³
        weather.append(min(110.0, max(15.0, weather[-1] * rng.uniform(0.72, 1.35))))
    readings: list[dict[str, object]] = []
    for station in stations:
        readings += _station_series(rng, str(station["mn"]), weather, hours)
    for mn, wanted in limits.items():
        for pollutant, limit in wanted.items():
            readings += _outlet_series(rng, mn, pollutant, limit, hours)
    _store(session, readings, hours)
    for station in stations:
        record_change(session, STATION_ENTITY, str(station["mn"]))
    counts.stations, counts.outlets, counts.readings = len(stations), len(outlets), len(readings)
    return counts
