"""bench/internals: each library-internals trick of core.speedups on and off, same run.

API tricks: ``GET /api/v1/enterprises/{uscc}`` through the Flask test client (demo data on
SQLite), all tricks on vs one trick off, in alternating rounds; the figure is the median
µs per request of the rounds. Whoosh tricks: a Whoosh build and 200 queries, patched vs
plain, alternating. A trick is worth keeping when it saves clearly more than the noise
(the spread of the rounds is reported alongside).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.report import Figure

ROUNDS = 7
ROUNDS_WHOOSH = 5


@contextlib.contextmanager
def _plain_storage(app: Any) -> Iterator[None]:
    from limits.storage import MemoryStorage

    from core.limits import limiter

    saved = limiter._storage, limiter._limiter
    storage = MemoryStorage()
    limiter._storage, limiter._limiter = storage, type(saved[1])(storage)
    try:
        yield
    finally:
        limiter._storage, limiter._limiter = saved


@contextlib.contextmanager
def _plain_limiter_check(app: Any) -> Iterator[None]:
    funcs = app.before_request_funcs[None]
    saved = list(funcs)
    funcs[:] = [
        getattr(f, "__wrapped__", f) if f.__name__ == "_limiter_check" else f for f in funcs
    ]
    try:
        yield
    finally:
        funcs[:] = saved


@contextlib.contextmanager
def _plain_read(app: Any) -> Iterator[None]:
    from core.db import get_session
    from credit.records import snapshots
    from openapi import enterprises

    def orm_read(_engine: Any, uscc: str) -> Any:
        return snapshots.enterprise_snapshots(get_session(), [uscc])[uscc]

    enterprises.enterprise_snapshot = orm_read
    try:
        yield
    finally:
        enterprises.enterprise_snapshot = snapshots.enterprise_snapshot


@contextlib.contextmanager
def _through_schema(app: Any) -> Iterator[None]:
    from openapi import enterprises

    saved = enterprises.jsonify
    enterprises.jsonify = lambda value: value  # the view returns the dict: smorest dumps it
    try:
        yield
    finally:
        enterprises.jsonify = saved


API_TRICKS: dict[str, Callable[[Any], Any]] = {
    "storage": _plain_storage,
    "limiter_check": _plain_limiter_check,
    "driver_read": _plain_read,
    "schema_bypass": _through_schema,
}


def _per_request_us(client: Any, paths: list[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    return (time.perf_counter() - started) / len(paths) * 1e6


def _api(scale: float) -> tuple[list[Figure], list[str]]:
    from sqlalchemy import select

    from bench.common import demo_app
    from core.db import get_session
    from credit.records.models import Enterprise

    os.environ["API_ANON_RATE_LIMIT"] = "100000000 per minute"
    requests = max(300, int(2000 * scale))
    with demo_app(max(100, int(500 * scale))) as app:
        usccs = list(get_session().scalars(select(Enterprise.uscc)))
        get_session().close()
        paths = [f"/api/v1/enterprises/{usccs[i % len(usccs)]}" for i in range(requests)]
        client = app.test_client()
        _per_request_us(client, paths[:200])  # warm-up
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in API_TRICKS}
        for r in range(ROUNDS):
            for name, plain in API_TRICKS.items():
                pair: dict[bool, float] = {}
                for on in (True, False) if r % 2 == 0 else (False, True):
                    if on:
                        pair[on] = _per_request_us(client, paths)
                    else:
                        with plain(app):
                            pair[on] = _per_request_us(client, paths)
                samples[name].append((pair[True], pair[False]))
    figures = []
    for name, pairs in samples.items():
        fast = statistics.median(p[0] for p in pairs)
        slow = statistics.median(p[1] for p in pairs)
        saved = [p[1] - p[0] for p in pairs]
        figures.append(
            Figure(
                "internals",
                f"{name}: µs per GET /enterprises/{{uscc}}",
                fast,
                "µs",
                "same request, trick off",
                slow,
                fast / slow,
                "< 0.97× (≥ 3 % saved)",
                fast / slow < 0.97,
                {
                    "saved_us_median": round(statistics.median(saved), 1),
                    "saved_us_min": round(min(saved), 1),
                    "saved_us_max": round(max(saved), 1),
                },
            )
        )
    return figures, [f"{ROUNDS} alternating rounds of {requests} requests, test client"]


def _whoosh(scale: float) -> tuple[list[Figure], list[str]]:
    from bench.search import _backend_query, _chunks, _queries, _sources
    from core import speedups
    from search.analysis import init_jieba
    from search.pipeline import analysed
    from search.whoosh_backend import WhooshBackend

    init_jieba()
    os.environ["SEARCH_BULK_PROCS"] = "1"  # one process: the patches are what differs
    sources = _sources(int(5000 * scale) or 500, int(10000 * scale) or 1000)
    queries = _queries(sources)
    chunks = list(analysed(_chunks(sources), procs=0))  # segmented once: not what is timed
    builds: dict[bool, list[float]] = {True: [], False: []}
    searches: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        warm = WhooshBackend(Path(tmp, "warm-up"))
        warm.bulk_load(iter(chunks))
        warm.close()
        for r in range(ROUNDS_WHOOSH):
            for on in (True, False) if r % 2 == 0 else (False, True):
                if on:
                    speedups.patch_whoosh()
                else:
                    speedups.unpatch_whoosh()
                speedups.WHOOSH_BLOCK_READS = on
                backend = WhooshBackend(Path(tmp, f"w{r}{on}"))
                try:
                    started = time.process_time()  # CPU: steadier on a shared machine
                    backend.bulk_load(iter(chunks))
                    builds[on].append(time.process_time() - started)
                    _backend_query(backend, queries[0], True)
                    started = time.process_time()
                    for q in queries:
                        _backend_query(backend, q, True)
                    searches[on].append((time.process_time() - started) / len(queries) * 1e3)
                finally:
                    backend.close()
                    speedups.patch_whoosh()
                    speedups.WHOOSH_BLOCK_READS = True
    n = len(sources)
    build_on, build_off = statistics.median(builds[True]), statistics.median(builds[False])
    q_on, q_off = statistics.median(searches[True]), statistics.median(searches[False])
    return [
        Figure(
            "internals",
            f"whoosh_build: {n} docs",
            build_on,
            "s CPU",
            "Whoosh unpatched",
            build_off,
            build_on / build_off,
            "< 0.9×",
            build_on / build_off < 0.9,
        ),
        Figure(
            "internals",
            "whoosh_query: ms per query with facets",
            q_on,
            "ms CPU",
            "Whoosh unpatched",
            q_off,
            q_on / q_off,
            "< 0.9×",
            q_on / q_off < 0.9,
        ),
    ], [f"whoosh: {ROUNDS_WHOOSH} alternating bulk loads (pre-segmented) and 200 queries each"]


def run(scale: float) -> tuple[list[Figure], list[str]]:
    figures: list[Figure] = []
    notes: list[str] = []
    if os.environ.get("BENCH_INTERNALS_API", "1") != "0":
        figures, notes = _api(scale)
    if os.environ.get("BENCH_INTERNALS_WHOOSH", "1") != "0":
        more, extra = _whoosh(scale)
        figures += more
        notes += extra
    return figures, notes
