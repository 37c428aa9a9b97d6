"""A small hand-computed city for the hotspot tests (and the pages' test data).

Four cells in a row (A, B, C, D, west to east) in 城关区 (city 620100), China day 2026-11-05
(24 hours; complete = at least 18 valid hours). PM2.5 station means:

| station | cell | valid hours | mean | counts |
|---|---|---|---|---|
| A1 | A | 24 | 80 (PM10 120) | yes |
| A2 | A | 24 | 60 | yes |
| B1 | B | 24 | 40 | yes |
| B2 | B | 17 (+7 flagged D at 999) | 200 | no: 17 < 18 |
| C1 | C | 20 (10 and 30 alternating) | 20 | yes |
| D1 | D | 20 (+4 flagged M at 500) | 50 | yes |
| E1 | none | 24 | 30 | city mean only |
| W1 | 白银区 (another city) | 24 | 500 | no |

City mean (of the stations) = (80+60+40+20+50+30)/6 = 46.67; threshold at margin 0.20 = 56.
Cells: A 70 (hotspot), D 50, B 40, C 20.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from credit.monitoring.models import CN_HOURLY, Station
from credit.monitoring.storage import ReadingRow, store_readings
from tests.factories import create_grid

DAY = "2026-11-05"
#: the day's first hour, China midnight in UTC
START = dt.datetime(2026, 11, 4, 16, tzinfo=dt.UTC)
CELLS = {
    "A": (103.80, 36.03, 103.82, 36.05),
    "B": (103.82, 36.03, 103.84, 36.05),
    "C": (103.84, 36.03, 103.86, 36.05),
    "D": (103.86, 36.03, 103.88, 36.05),
}


def station(session, mn: str, lat: float, lon: float, grid, region: str = "620102") -> Station:
    row = Station(
        mn=mn,
        name=f"微站{mn}",
        kind="micro",
        latitude=Decimal(str(lat)),
        longitude=Decimal(str(lon)),
        region_code=region,
        grid_id=grid.id if grid is not None else None,
    )
    session.add(row)
    session.flush()
    return row


def hours(mn: str, values: list[float | None], pollutant: str = "a34004", flag: str = "N"):
    """Hourly rows from the day's first hour; None skips an hour."""
    return [
        ReadingRow(mn, CN_HOURLY, pollutant, START + dt.timedelta(hours=i), v, flag)
        for i, v in enumerate(values)
        if v is not None
    ]


def build_city(session) -> dict:
    """The cells and stations above, with their readings; committed."""
    grids = {name: create_grid(session, f"HS-{name}", box=box) for name, box in CELLS.items()}
    a1 = station(session, "HSA1", 36.04, 103.805, grids["A"])
    a2 = station(session, "HSA2", 36.04, 103.815, grids["A"])
    station(session, "HSB1", 36.04, 103.83, grids["B"])
    station(session, "HSB2", 36.045, 103.83, grids["B"])
    station(session, "HSC1", 36.04, 103.85, grids["C"])
    station(session, "HSD1", 36.04, 103.87, grids["D"])
    station(session, "HSE1", 36.06, 103.85, None)
    station(session, "HSW1", 36.55, 104.17, None, region="620402")
    rows = [
        *hours("HSA1", [80.0] * 24),
        *hours("HSA1", [120.0] * 24, "a34002"),
        *hours("HSA2", [60.0] * 24),
        # the hour before the day began (China time 23:00 on the 4th) does not count
        ReadingRow("HSA2", CN_HOURLY, "a34004", START - dt.timedelta(hours=1), 999.0, "N"),
        *hours("HSB1", [40.0] * 24),
        *hours("HSB2", [200.0] * 17),
        *hours("HSB2", [None] * 17 + [999.0] * 7, flag="D"),
        *hours("HSC1", [10.0, 30.0] * 10),
        *hours("HSD1", [50.0] * 20),
        *hours("HSD1", [None] * 20 + [500.0] * 4, flag="M"),
        *hours("HSE1", [30.0] * 24),
        *hours("HSW1", [500.0] * 24),
    ]
    store_readings(session, rows)
    session.commit()
    return {"grids": grids, "a1": a1, "a2": a2}
