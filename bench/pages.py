"""bench/pages: server time (p50, p95) of every public page with the default demo data
(``flask demo load --enterprises 2000 --seed 1``, as ``make run``), against a bare Flask
endpoint measured in the same run. Requests go through the Flask test client: the whole WSGI
request (routing, queries, templates, after-request hooks) without the network."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench.load import BIN, ROOT
from bench.report import Figure

TARGET_MS = 20.0


def _prepare(tmp: str, enterprises: int) -> dict[str, str]:
    env = {
        **os.environ,
        "ENVCREDIT_INSTANCE": tmp,
        "TIPOFF_RATE_LIMIT": "1000000 per hour",
        "API_ANON_RATE_LIMIT": "1000000 per minute",
    }
    env.pop("DATABASE_URL", None)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for args in (
        ["db", "upgrade"],
        ["demo", "load", "--enterprises", str(enterprises), "--seed", "1"],
        ["credit", "rescore"],
        ["search", "rebuild"],
    ):
        subprocess.run(flask + args, env=env, cwd=ROOT, check=True, capture_output=True)
    return env


def _times(get: Callable[[str], Any], paths: list[str], n: int) -> list[float]:
    """``n`` timed requests cycling through ``paths`` (after one warm-up round), in ms."""
    for path in paths:
        get(path)
    out = []
    for i in range(n):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        response = get(path)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(scale: float) -> tuple[list[Figure], list[str]]:
    enterprises = max(int(2000 * scale), 50)
    n = max(int(200 * scale), 20)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        env = _prepare(tmp, enterprises)
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            from wsgi import create_app

            app = create_app()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        client = app.test_client()

        def get(path: str) -> Any:
            with client.get(path) as response:
                response.get_data()
                return response

        # the home page browses by region: enterprises are listed inside a region's page
        home = client.get("/").get_data(as_text=True)
        province = re.findall(r'href="/\?region=(\d{6})"', home)[0]
        region = client.get(f"/?region={province}").get_data(as_text=True)
        usccs = list(dict.fromkeys(re.findall(r"/enterprises/([0-9A-Z]{18})", region)))[:20]
        listing = client.get("/penalties").get_data(as_text=True)
        penalties = list(dict.fromkeys(re.findall(r'href="/penalties/(\d+)"', listing)))[:20]
        assert usccs and penalties, "demo data without enterprises or penalties"
        pages: dict[str, list[str]] = {
            "home /": ["/"],
            "region /?region=": [f"/?region={province}"],
            "search /?q=": ["/?q=兰州", "/?q=化工", "/?q=钢铁"],
            "enterprise /enterprises/{uscc}": [f"/enterprises/{u}" for u in usccs],
            "penalty /penalties/{id}": [f"/penalties/{p}" for p in penalties],
            "penalties /penalties": ["/penalties"],
            "stats /stats": ["/stats"],
            "rules /rules": ["/rules"],
            "help /help": ["/help"],
            "accessibility /accessibility": ["/accessibility"],
            "tip-off form /tipoffs/new": ["/tipoffs/new"],
            "track form /tipoffs/track": ["/tipoffs/track"],
            "enterprise, English": [f"/enterprises/{u}?lang=en" for u in usccs[:5]],
        }
        from bench.bare_app import app as bare

        bare_client = bare.test_client()

        def bare_get(path: str) -> Any:
            with bare_client.get(path) as response:
                response.get_data()
                return response

        baseline = _times(bare_get, ["/api/v1/enterprises/91350100M000100Y43"], n)
        base50 = statistics.median(baseline)
        figures = []
        for name, paths in pages.items():
            times = _times(get, paths, n)
            p50, p95 = statistics.median(times), _p(times, 95)
            figures.append(
                Figure(
                    bench="pages",
                    name=f"{name} server time p50 (p95 {p95:.1f} ms)",
                    value=round(p50, 2),
                    unit="ms",
                    baseline_name="bare Flask endpoint p50",
                    baseline=round(base50, 3),
                    ratio=round(p50 / base50, 1),
                    target=f"p50 ≤ {TARGET_MS:.0f} ms",
                    ok=p50 <= TARGET_MS,
                    extra={"p95_ms": round(p95, 2), "requests": n, "paths": len(paths)},
                )
            )
    notes = [
        f"{enterprises} demo enterprises (seed 1), SQLite, rated and indexed as `make run` does; "
        f"{n} requests per page through the Flask test client in one process after a warm-up "
        f"round, cycling through {len(usccs)} enterprises and {len(penalties)} penalties; "
        f"bare Flask JSON endpoint p50 {base50:.3f} ms, p95 {_p(baseline, 95):.3f} ms"
    ]
    return figures, notes
