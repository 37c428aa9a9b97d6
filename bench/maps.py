"""bench/maps: server time (p50, p95) of the public map page of a district with 2,000
enterprises (``/map?region=620102``), against a bare Flask endpoint in the same run.

The district is built here, not by the demo loader (whose enterprises have no coordinates in
their own county yet): 24 first-level grids covering 兰州市城关区's extent, each outline with
800 vertices (a surveyed boundary's detail, which the map simplifies to the pixel), 2,000
enterprises at random points inside, a fifth of them unrated, and 200 public tip-offs. Also
measured: the first request (projection and simplification of the outlines, then cached)
and each request right after a write in the district (the layers and the drawing rebuilt,
not cached; a write elsewhere leaves them cached). Requests go through the Flask test client."""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.load import BIN, ROOT
from bench.report import Figure

TARGET_MS = 100.0
REGION = "620102"
#: 城关区's extent, roughly (WGS-84; the boundary's box when credit.places has it)
WEST, SOUTH, EAST, NORTH = 103.77, 35.96, 103.99, 36.16
COLUMNS, ROWS = 6, 4
VERTICES_PER_EDGE = 200


def _wobbly_cell(i: int, j: int) -> list[list[float]]:
    """A grid cell whose edges wobble (shared by neighbours, so the cells tile)."""
    dx, dy = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS

    def edge(x0: float, y0: float, x1: float, y1: float, seed: float) -> list[list[float]]:
        out = []
        for k in range(VERTICES_PER_EDGE + 1):  # both ends: the wobble is 0 there
            t = k / VERTICES_PER_EDGE
            wobble = 0.0015 * math.sin(t * math.pi * 9 + seed) * math.sin(t * math.pi)
            nx, ny = -(y1 - y0), x1 - x0
            norm = math.hypot(nx, ny) or 1
            out.append(
                [x0 + (x1 - x0) * t + wobble * nx / norm, y0 + (y1 - y0) * t + wobble * ny / norm]
            )
        return out

    x0, y0 = WEST + i * dx, SOUTH + j * dy
    x1, y1 = x0 + dx, y0 + dy
    bottom = edge(x0, y0, x1, y0, j)
    right = edge(x1, y0, x1, y1, 100 + i + 1)[1:]
    top = edge(x0, y1, x1, y1, j + 1)[::-1][1:]
    left = edge(x0, y0, x0, y1, 100 + i)[::-1][1:]  # ends where the bottom began: closed
    return bottom + right + top + left


def _point_source(rng: random.Random) -> Callable[[], tuple[float, float]]:
    """Random points inside 城关区's boundary (credit.places), else inside its box."""
    try:
        from credit.places.boundaries import random_point_in

        random_point_in(REGION, random.Random(0))
    except (ImportError, ValueError):
        return lambda: (rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH))
    return lambda: random_point_in(REGION, rng)


def _district(session: Any, enterprises: int, tipoffs: int) -> None:
    from credit.grids.models import Grid
    from credit.ratings.levels import LEVELS
    from credit.ratings.models import CreditRating
    from credit.records.models import Enterprise
    from credit.tipoffs.filing import TipOffInput, file_tipoff
    from tests.factories import make_uscc

    rng = random.Random(1)
    point = _point_source(rng)
    for i in range(COLUMNS):
        for j in range(ROWS):
            ring = _wobbly_cell(i, j)
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            session.add(
                Grid(
                    code=f"{REGION}-{i}{j}",
                    name=f"第{i * ROWS + j + 1}街道",
                    level=1,
                    region_code=REGION,
                    geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                    min_lon=min(xs),
                    min_lat=min(ys),
                    max_lon=max(xs),
                    max_lat=max(ys),
                )
            )
    for n in range(enterprises):
        lon, lat = point()
        ent = Enterprise(
            uscc=make_uscc(n + 1, REGION),
            name=f"兰州城关测试企业{n + 1:04d}有限公司",
            legal_representative="张三",
            region_code=REGION,
            industry_code="C26",
            address="兰州市城关区测试路1号",
            permit_category="registration",
            status="operating",
            longitude=Decimal(f"{lon:.6f}"),
            latitude=Decimal(f"{lat:.6f}"),
        )
        session.add(ent)
        session.flush()
        if n % 5:
            level = LEVELS[rng.randrange(len(LEVELS))]
            session.add(
                CreditRating(
                    enterprise_id=ent.id,
                    as_of=ent.created_at.date(),
                    rulebook_version="bench@1",
                    score=80,
                    level=level,
                    computed_level=level,
                    explanation=[],
                    is_current=True,
                )
            )
    for _ in range(tipoffs):
        lon, lat = point()
        file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="夜间烟囱冒黑烟，气味刺鼻。",
                location="某地",
                latitude=f"{lat:.6f}",
                longitude=f"{lon:.6f}",
                region_code=REGION,
            ),
        )
    session.commit()


def _times(get: Callable[[str], Any], path: str, n: int) -> list[float]:
    get(path)
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = get(path)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return out


def _times_after_changes(app: Any, get: Callable[[str], Any], path: str, n: int) -> list[float]:
    """Like ``_times``, but an enterprise of the district changed (and committed, untimed)
    before each request, so its cached layers and drawing are rebuilt every time: the page's
    cost right after a write in the district."""
    from credit.records.models import Enterprise

    session = app.extensions["envcredit.db"].new_session()
    ent = session.query(Enterprise).first()
    out = []
    try:
        for i in range(n):
            ent.address = f"兰州市城关区测试路{i + 2}号"
            session.commit()
            started = time.perf_counter()
            response = get(path)
            out.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        session.close()
    return out


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _app(tmp: str) -> Any:
    env = {
        **os.environ,
        "ENVCREDIT_INSTANCE": tmp,
        # the page alone: no rescoring or indexing thread woken by the bench's own writes
        "BACKGROUND_CONSUMERS": "false",
        # the boundary file is built once for every run (as the tests share theirs)
        "PLACES_CACHE_DIR": os.environ.get("PLACES_CACHE_DIR")
        or str(Path(tempfile.gettempdir(), "envcredit-places")),
    }
    env.pop("DATABASE_URL", None)
    flask = [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"]
    subprocess.run(flask, env=env, cwd=ROOT, check=True, capture_output=True)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from wsgi import create_app

        return create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(scale: float) -> tuple[list[Figure], list[str]]:
    enterprises = max(int(2000 * scale), 100)
    n = max(int(100 * scale), 20)
    with tempfile.TemporaryDirectory(prefix="bench-maps-") as tmp:
        app = _app(tmp)
        from core.heap import settle

        settle()  # as a server worker does once the app is loaded (deploy/gunicorn.conf.py)
        session = app.extensions["envcredit.db"].new_session()
        with app.app_context():
            _district(session, enterprises, max(enterprises // 10, 10))
        session.close()
        client = app.test_client()

        def get(path: str) -> Any:
            with client.get(path) as response:
                response.get_data()
                return response

        from credit.maps.areas import clear_cache

        clear_cache()
        started = time.perf_counter()
        first = get(f"/map?region={REGION}")
        cold = (time.perf_counter() - started) * 1000
        page = first.get_data(as_text=True)
        symbols = page.count("<use href=")
        size_kb = len(page.encode()) / 1024
        svg_kb = len(page.split("<svg xmlns", 1)[1].split("</svg>", 1)[0].encode()) / 1024
        times = {
            "public map /map?region= (zh)": _times(get, f"/map?region={REGION}", n),
            "public map, English": _times(get, f"/map?region={REGION}&lang=en", n),
            "public map right after a write in the district (layers rebuilt)": _times_after_changes(
                app, get, f"/map?region={REGION}", n
            ),
        }
        from bench.bare_app import app as bare

        bare_client = bare.test_client()

        def bare_get(path: str) -> Any:
            with bare_client.get(path) as response:
                response.get_data()
                return response

        baseline = _times(bare_get, "/api/v1/enterprises/91350100M000100Y43", n)
    base95 = _p(baseline, 95)
    figures = []
    for name, values in times.items():
        p50, p95 = statistics.median(values), _p(values, 95)
        figures.append(
            Figure(
                bench="maps",
                name=f"{name} server time p95 (p50 {p50:.1f} ms)",
                value=round(p95, 2),
                unit="ms",
                baseline_name="bare Flask endpoint p95",
                baseline=round(base95, 3),
                ratio=round(p95 / base95, 1),
                target=f"p95 ≤ {TARGET_MS:.0f} ms",
                ok=p95 <= TARGET_MS,
                extra={"p50_ms": round(p50, 2), "requests": n, "enterprises": enterprises},
            )
        )
    notes = [
        f"{enterprises} enterprises and {max(enterprises // 10, 10)} tip-offs in {REGION}, "
        f"{COLUMNS * ROWS} grids of {4 * VERTICES_PER_EDGE} vertices each, SQLite; "
        f"{n} requests per figure after one warm-up; the first (uncached) request "
        f"{cold:.0f} ms; the page draws {symbols} symbols, {size_kb:.0f} KB of HTML of which "
        f"the SVG {svg_kb:.0f} KB; the bench process's peak RSS {_peak_rss_mb():.0f} MB "
        "(boundaries loaded, the district built in-process, every map cache filled)"
    ]
    return figures, notes
