"""bench/hotspots: hotspot grids (热点网格) for one city-month of hourly data from 500 stations.

500 micro-stations in 100 grid cells of 城关区 (5 per cell), November 2026 (720 hours) of
PM2.5 and PM10 hourly means (720,000 rows, about 5 % of them missing or flagged invalid, so
some stations fall below the 75 % completeness), written with a bare ``executemany`` on
SQLite. Measures ``compute_ranking`` (the service: station means with the completeness
filter, then cell and city means, one statement, plus its two small queries) against the
same aggregation as one plain SQL ``GROUP BY`` (cell, pollutant) over the same rows in the
same run. Target: ≤ 1.5×.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from bench.common import timed
from bench.report import Figure

STATIONS, CELLS_SIDE = 500, 10
BOX = (103.70, 36.00, 103.90, 36.10)
MONTH = "2026-11"
START = dt.datetime(2026, 10, 31, 16)  # China midnight of 1 November, naive UTC
POLLUTANTS = ("a34004", "a34002")

BASELINE = """
SELECT s.grid_id, r.pollutant, AVG(r.value), COUNT(*)
FROM readings r JOIN monitoring_stations s ON s.mn = r.mn
WHERE r.cn = 2061 AND r.time >= ? AND r.time < ? AND r.pollutant IN ('a34004', 'a34002')
  AND r.flag IN ('N', 'T') AND r.value IS NOT NULL AND s.region_code LIKE '6201%'
GROUP BY s.grid_id, r.pollutant
"""
#: the floor: the station level alone, no join, no completeness
FLOOR = """
SELECT r.mn, r.pollutant, AVG(r.value) FROM readings r
WHERE r.cn = 2061 AND r.time >= ? AND r.time < ? AND r.pollutant IN ('a34004', 'a34002')
  AND r.flag IN ('N', 'T') AND r.value IS NOT NULL
GROUP BY r.mn, r.pollutant
"""


def _stamp() -> Any:
    """How SQLAlchemy writes a (naive UTC) datetime into SQLite: the bare rows match it."""
    dialect = sqlite.dialect()
    processor = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    return processor


def _fill(path: Path, hours: int, stations: int) -> int:
    """Grids, stations and readings straight into the SQLite file; the readings' count."""
    stamp = _stamp()
    now = stamp(dt.datetime(2026, 12, 1))
    conn = sqlite3.connect(path)
    west, south, east, north = BOX
    dx, dy = (east - west) / CELLS_SIDE, (north - south) / CELLS_SIDE
    grids = []
    for i in range(CELLS_SIDE):
        for j in range(CELLS_SIDE):
            w, s = west + i * dx, south + j * dy
            ring = [[w, s], [w + dx, s], [w + dx, s + dy], [w, s + dy], [w, s]]
            grids.append(
                (
                    i * CELLS_SIDE + j + 1,
                    f"HB-{i:02d}-{j:02d}",
                    f"热点网格{i}-{j}",
                    json.dumps({"type": "Polygon", "coordinates": [ring]}),
                    s,
                    w,
                    s + dy,
                    w + dx,
                    now,
                )
            )
    conn.executemany(
        "INSERT INTO grids (id, code, name, level, region_code, geometry, min_lat, min_lon,"
        " max_lat, max_lon, generated, created_at, updated_at)"
        " VALUES (?, ?, ?, 1, '620102', ?, ?, ?, ?, ?, 0, ?, ?9)",
        grids,
    )
    rng = random.Random(17)
    rows = []
    for n in range(stations):
        grid = grids[n % len(grids)]
        lat = rng.uniform(grid[4], grid[6])
        lon = rng.uniform(grid[5], grid[7])
        rows.append((n + 1, f"HB{n:05d}", f"微站{n}", f"{lat:.6f}", f"{lon:.6f}", grid[0], now))
    conn.executemany(
        "INSERT INTO monitoring_stations (id, mn, name, kind, latitude, longitude, region_code,"
        " grid_id, created_at, updated_at) VALUES (?, ?, ?, 'micro', ?, ?, '620102', ?, ?, ?7)",
        rows,
    )
    times = [stamp(START + dt.timedelta(hours=h)) for h in range(hours)]
    count = 0
    for n in range(stations):
        level = 30 + (n % len(grids)) * 0.4 + rng.uniform(-5, 5)
        # one station in ten loses a third of its hours (incomplete), the rest ~2 %
        loss = 0.35 if n % 10 == 0 else 0.02
        batch = []
        for pollutant, factor in zip(POLLUTANTS, (1.0, 1.6), strict=True):
            for t in times:
                if rng.random() < loss:
                    continue
                flag = "D" if rng.random() < 0.01 else "N"
                batch.append((f"HB{n:05d}", pollutant, t, level * factor + rng.gauss(0, 8), flag))
        conn.executemany(
            "INSERT INTO readings (mn, cn, pollutant, time, value, flag)"
            " VALUES (?, 2061, ?, ?, ?, ?)",
            batch,
        )
        count += len(batch)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return count


def run(scale: float) -> tuple[list[Figure], list[str]]:
    os.environ.setdefault("BACKGROUND_CONSUMERS", "false")
    from core import migrate
    from core.db import get_db
    from core.reference import Region
    from credit.monitoring.hotspots import compute_ranking, parse_period
    from wsgi import create_app

    stations = max(20, int(STATIONS * scale))
    hours = 720
    with tempfile.TemporaryDirectory(prefix="envcredit-bench-") as tmp:
        path = Path(tmp, "bench.sqlite3")
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        count = _fill(path, hours, stations)
        print(f"  {stations} stations, {count} hourly means", flush=True)
        app = create_app({"ENVCREDIT_INSTANCE": tmp, "DATABASE_URL": url})
        period = parse_period(MONTH)
        later = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
        with app.app_context():
            session = get_db().new_session()
            city = session.get(Region, "620100")
            result = {}

            def service() -> None:
                result["ranking"] = compute_ranking(session, city, period, later)

            stamp = _stamp()
            bounds = (stamp(START), stamp(START + dt.timedelta(hours=hours)))
            bare = sqlite3.connect(path)

            def baseline() -> None:
                result["bare"] = bare.execute(BASELINE, bounds).fetchall()

            def floor() -> None:
                bare.execute(FLOOR, bounds).fetchall()

            service()
            baseline()  # warm both: the page cache holds the file for either
            ours = timed(service, repeat=3)
            theirs = timed(baseline, repeat=3)
            least = timed(floor, repeat=3)
            ranking = result["ranking"]
            bare.close()
            session.close()
        app.extensions["envcredit.db"].dispose()
    hot = sum(c.hotspot for c in ranking.cells)
    figure = Figure(
        "hotspots",
        f"rank a city-month ({stations} stations, {count} rows)",
        ours * 1000,
        "ms",
        "one SQL GROUP BY (cell, pollutant)",
        theirs * 1000,
        ours / theirs,
        "<= 1.5x",
        ours / theirs <= 1.5,
        {"cells": len(ranking.cells), "hotspots": hot, "bare_groups": len(result["bare"])},
    )
    floor_figure = Figure(
        "hotspots",
        "rank a city-month vs the per-station floor",
        ours * 1000,
        "ms",
        "bare GROUP BY (mn, pollutant), no join",
        least * 1000,
        ours / least,
        "",
    )
    notes = [
        f"{len(ranking.cells)} cells ranked, {hot} hotspots, city mean PM2.5 "
        f"{ranking.city_means.get('a34004', 0):.1f}; "
        f"{ranking.city_complete.get('a34004', 0)} of {stations} stations complete"
    ]
    return [figure, floor_figure], notes


if __name__ == "__main__":
    from bench.report import print_figure

    figures, extra = run(float(os.environ.get("BENCH_SCALE", "1.0")))
    for fig in figures:
        print_figure(fig)
    print("\n".join(extra))
