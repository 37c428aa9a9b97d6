"""bench/geo: reverse geocoding (``credit.places.boundaries.county_at``) against a bare shapely
STRtree query on the same county polygons, same run; and a worker's memory with and without
the boundaries loaded.

Points: ``100,000 × scale`` uniform random points in China's box (seeded) kept when inside a
county. The baseline is ``tree.query(Point(x, y), predicate="within")`` in a Python loop over
the very geometries ``county_at`` uses (prepared, as county_at's are): the figure is what our
function costs over the library call it wraps. Rounds alternate; the best of each is kept.
Memory: a fresh process builds the app (``create_app``), then geocodes one point; VmRSS
before and after, and the peak (VmHWM).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

from bench.report import Figure

ROUNDS = 3
_RSS_SCRIPT = """
import json, re
def status(field):
    text = open("/proc/self/status").read()
    return int(re.search(field + r":\\s+(\\d+)", text).group(1)) / 1024
from wsgi import create_app
app = create_app()
idle = status("VmRSS")
from credit.places import boundaries
with app.app_context():
    assert not boundaries.loaded()
    boundaries.county_at(103.8343, 36.0611)
print(json.dumps({"idle": idle, "loaded": status("VmRSS"), "peak": status("VmHWM")}))
"""


def _points(n: int, tree, shapely) -> list[tuple[float, float]]:
    rng = random.Random(20261203)  # benchmark points, reproducible
    kept: list[tuple[float, float]] = []
    while len(kept) < n:
        batch = [(rng.uniform(73.5, 135.1), rng.uniform(18.1, 53.6)) for _ in range(n)]
        hits = tree.query(shapely.points(batch), predicate="within")
        inside = sorted(set(hits[0].tolist()))
        kept += [batch[i] for i in inside]
    return kept[:n]


def _timed(fn, points) -> float:
    started = time.perf_counter()
    fn(points)
    return time.perf_counter() - started


def _memory() -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(scale: float) -> tuple[list[Figure], list[str]]:
    import shapely
    from shapely import Point

    from credit.places.boundaries import boundaries, county_at

    loaded = boundaries()
    tree = loaded.tree
    n = max(1000, int(100_000 * scale))
    points = _points(n, tree, shapely)

    def ours(pts):
        for x, y in pts:
            county_at(x, y)

    def bare(pts):
        query = tree.query
        for x, y in pts:
            query(Point(x, y), predicate="within")

    times = {"ours": [], "bare": []}
    for _ in range(ROUNDS):
        times["ours"].append(_timed(ours, points))
        times["bare"].append(_timed(bare, points))
    ours_rate, bare_rate = n / min(times["ours"]), n / min(times["bare"])
    ratio = ours_rate / bare_rate
    memory = _memory()
    figures = [
        Figure(
            "geo",
            f"county_at, {n} points inside China",
            ours_rate,
            "points/s",
            "bare STRtree query (same polygons)",
            bare_rate,
            ratio,
            "≥ 0.8×",
            ratio >= 0.8,
        ),
        Figure(
            "geo",
            "worker RSS after create_app (boundaries not loaded)",
            memory["idle"],
            "MB",
            "idle worker limit",
            200.0,
            memory["idle"] / 200.0,
            "≤ 1× (< 200 MB)",
            memory["idle"] < 200,
        ),
        Figure(
            "geo",
            "worker RSS with the boundaries loaded",
            memory["loaded"],
            "MB",
            "after create_app",
            memory["idle"],
            memory["loaded"] / memory["idle"],
            extra={"peak_mb": memory["peak"]},
        ),
    ]
    notes = [
        f"{len(loaded.leaf_codes)} county-level outlines from {loaded.source}, WGS-84;"
        f" peak RSS while loading {memory['peak']:.0f} MB"
    ]
    return figures, notes
