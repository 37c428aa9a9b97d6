"""bench/sources: the point-source ledger at Jining's scale (54,061 sources).

Imports 60,000 sources (CSV through the same path as `flask records import --kind sources`:
parse, crs, county from coordinates, enterprise link, grid placing, bulk upsert, one
transaction) into a city district covered by 400 grid cells, against a bare executemany
INSERT of the same finished rows into a plain table in the same run; re-imports the
unchanged file; then measures keyset-paged listing per grid (p95 of random pages) against
the bare SQL of one page.
"""

from __future__ import annotations

import csv
import json
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, insert, select

from bench.common import demo_app
from bench.report import Figure
from core.db import get_db, writing
from core.users import create_user
from credit.grids.models import Grid
from credit.places.boundaries import county_at
from credit.records.importing import import_rows
from credit.records.models import Enterprise
from credit.records.readers import read_file
from credit.sources.listing import SourceFilter, list_sources
from credit.sources.models import SOURCE_TYPES, PointSource

#: a box inside 兰州市城关区 (620102), WGS-84
BOX = (103.80, 36.03, 103.90, 36.08)
CELLS = 20  # 20 × 20 grid cells over the box
HEADER = ("code", "name", "type", "latitude", "longitude", "address", "region_code", "uscc", "crs")


def _grids(session) -> list[int]:
    west, south, east, north = BOX
    dx, dy = (east - west) / CELLS, (north - south) / CELLS
    rows = []
    for i in range(CELLS):
        for j in range(CELLS):
            w, s = west + i * dx, south + j * dy
            e, n = w + dx, s + dy
            ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
            rows.append(
                Grid(
                    code=f"CG-{i:02d}-{j:02d}",
                    name=f"城关第{i}-{j}网格",
                    level=1,
                    region_code="620102",
                    geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                    min_lon=w,
                    min_lat=s,
                    max_lon=e,
                    max_lat=n,
                )
            )
    session.add_all(rows)
    session.flush()
    return [g.id for g in rows]


def _write_csv(path: Path, n: int, usccs: list[str], rng: random.Random) -> None:
    west, south, east, north = BOX
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(n):
            out.writerow(
                [
                    f"JN{i:06d}",
                    f"测试污染源{i}号",
                    rng.choice(SOURCE_TYPES),
                    f"{rng.uniform(south, north):.6f}",
                    f"{rng.uniform(west, east):.6f}",
                    f"兰州市城关区测试路{i}号",
                    "620102" if i % 2 else "",
                    usccs[i % len(usccs)] if i % 10 == 0 else "",
                    "gcj02" if i % 3 == 0 else "wgs84",
                ]
            )


def _import(path: Path) -> tuple[float, object]:
    db = get_db()
    session = db.new_session()
    try:
        with writing():
            started = time.perf_counter()
            result = import_rows(session, "sources", read_file(path, None))
            assert not result.errors, result.errors[:5]
            session.commit()
            return time.perf_counter() - started, result
    finally:
        session.close()


def _bare_insert(rows: list[dict]) -> float:
    """The floor: the finished rows, one executemany into a plain table, one commit."""
    table = Table(
        "bench_bare_sources",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("code", String(32), unique=True),
        Column("name", String(200)),
        Column("type", String(24)),
        Column("latitude", Numeric(9, 6)),
        Column("longitude", Numeric(9, 6)),
        Column("address", String(300)),
        Column("region_code", String(6)),
        Column("grid_id", Integer),
        Column("enterprise_id", Integer),
    )
    engine = get_db().engine
    table.create(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    return time.perf_counter() - started


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def run(scale: float) -> tuple[list[Figure], list[str]]:
    n = max(2000, int(60_000 * scale))
    rng = random.Random(1)
    with demo_app(200), tempfile.TemporaryDirectory(prefix="envcredit-sources-") as tmp:
        db = get_db()
        session = db.new_session()
        with writing():
            grid_ids = _grids(session)
            user = create_user(
                session,
                email="bench@example.cn",
                name="bench",
                role="regulator",
                region_code="620100",
                password=secrets.token_urlsafe(16),
            )
            session.commit()
        usccs = list(session.scalars(select(Enterprise.uscc).limit(50)))
        path = Path(tmp, "sources.csv")
        _write_csv(path, n, usccs, rng)
        started = time.perf_counter()
        county_at(*BOX[:2])  # the boundaries load once per process: timed apart
        boundaries_s = time.perf_counter() - started
        first, result = _import(path)
        again, unchanged = _import(path)
        session.rollback()  # a fresh snapshot: the imports committed in their own sessions
        cols = [
            c.name
            for c in PointSource.__table__.columns
            if c.name not in ("created_at", "updated_at")
        ]
        rows = [
            dict(r._mapping)
            for r in session.execute(select(*(PointSource.__table__.c[c] for c in cols)))
        ]
        bare = _bare_insert(rows)
        placed = sum(1 for r in rows if r["grid_id"] is not None)

        codes = [r["code"] for r in rows]
        pages, bare_pages = [], []
        table = PointSource.__table__
        for _ in range(300):
            grid_id = rng.choice(grid_ids)
            code = session.get(Grid, grid_id).code
            after = rng.choice(codes)
            started = time.perf_counter()
            list_sources(session, user, SourceFilter(grid=code, after=after))
            pages.append(time.perf_counter() - started)
            started = time.perf_counter()
            session.execute(
                select(table)
                .where(table.c.grid_id == grid_id, table.c.code > after)
                .order_by(table.c.code)
                .limit(51)
            ).all()
            bare_pages.append(time.perf_counter() - started)
        session.close()
    rate, rate_again, bare_rate = n / first, n / again, n / bare
    notes = [
        f"{n} sources in 400 grid cells of 城关区 (a third given in GCJ-02, half without a "
        f"region code, a tenth linked to an enterprise); {placed} placed in a grid; "
        f"created {result.created}, re-import unchanged {unchanged.unchanged}; SQLite; "
        f"listing: 300 random (grid, after) pages of 50 through list_sources (scope, grid "
        f"subtree, join for grid names) vs the bare page query; loading the county "
        f"boundaries (once per process, before the first import) took {boundaries_s:.1f} s"
    ]
    return [
        Figure(
            "sources",
            "import 60k sources (rows/s)",
            rate,
            "rows/s",
            "bare executemany INSERT",
            bare_rate,
            bare_rate / rate,
            "",
            None,
            {"seconds": round(first, 2)},
        ),
        Figure(
            "sources",
            "re-import unchanged (rows/s)",
            rate_again,
            "rows/s",
            "bare executemany INSERT",
            bare_rate,
            bare_rate / rate_again,
            "",
            None,
            {"seconds": round(again, 2)},
        ),
        Figure(
            "sources",
            "list a grid's page, p95",
            _p95(pages),
            "ms",
            "bare page query p95",
            _p95(bare_pages),
            _p95(pages) / _p95(bare_pages),
        ),
    ], notes
