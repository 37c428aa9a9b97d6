"""bench/scale: the platform at a million enterprises on PostgreSQL (issue #21).

``BENCH_ONLY=scale BENCH_DATABASE_URL=postgresql+psycopg://…/envcredit_scale make bench``;
``SCALE_ENTERPRISES`` (default 1,000,000; ``BENCH_SCALE`` multiplies it) and
``SCALE_SEED`` (default 1) choose the data set. The demo data are loaded once (COPY) into
``<db>_template`` (kept and reused while its size and seed match, ``SCALE_RELOAD=1`` forces
a new load); each run measures on ``<db>``, a fresh copy of the template (CREATE DATABASE …
TEMPLATE), dropped at the end, so every run starts unrated and unindexed.

Each figure has its same-run baseline: full rescore (first run, nothing changed) and
incremental rescore after 1% of enterprises change vs reading the input rows; PostgreSQL
search (build, the 200-query set) vs a bare tsvector @@ + ts_rank query on the same tokens;
GET by USCC at 16 clients under gunicorn vs a bare Flask endpoint; the list endpoints at a
deep keyset page and the change feed from 0 and from the middle vs a bare SELECT; the
penalty CSV export vs ``psql \\copy`` of the same table.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import timed
from bench.report import Figure

BENCH = "scale"


def _server(url: str) -> Any:
    return create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", future=True
    )


def _exists(url: str, name: str) -> bool:
    engine = _server(url)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    engine.dispose()
    return bool(found)


def _admin(url: str, *statements: str) -> None:
    engine = _server(url)
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def drop_databases(url: str) -> None:
    """Drop ``<db>`` and ``<db>_template`` (tests; or to free the disk)."""
    name = make_url(url).database
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(url, f'DROP DATABASE IF EXISTS "{name}_template" WITH (FORCE)')


def _template(url: str, enterprises: int, seed: int) -> tuple[str, float | None]:
    """The loaded template database's URL and the load's seconds (None when reused)."""
    name = make_url(url).database
    tpl = f"{name}_template"
    tpl_url = make_url(url).set(database=tpl).render_as_string(hide_password=False)
    mark = f"envcredit demo {enterprises} seed {seed}"
    if _exists(url, tpl) and not os.environ.get("SCALE_RELOAD"):
        engine = _server(url)
        with engine.connect() as conn:
            comment = conn.scalar(
                text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = :n"
                ),
                {"n": tpl},
            )
        engine.dispose()
        if comment == mark:
            return tpl_url, None
    _admin(url, f'DROP DATABASE IF EXISTS "{tpl}" WITH (FORCE)', f'CREATE DATABASE "{tpl}"')
    from core import migrate
    from core.cli import transaction
    from credit.demo.load import load_demo
    from wsgi import create_app

    migrate.upgrade(tpl_url)
    with tempfile.TemporaryDirectory(prefix="envcredit-scale-") as tmp:
        app = create_app(
            {"ENVCREDIT_INSTANCE": tmp, "DATABASE_URL": tpl_url, "BACKGROUND_CONSUMERS": False}
        )
        with app.app_context():
            started = time.perf_counter()
            with transaction() as session:
                load_demo(session, enterprises, seed)
            seconds = time.perf_counter() - started
        app.extensions["envcredit.db"].dispose()
    _admin(url, f"COMMENT ON DATABASE \"{tpl}\" IS '{mark}'")
    return tpl_url, seconds


@contextmanager
def _fresh(url: str, tpl_url: str) -> Iterator[None]:
    name, tpl = make_url(url).database, make_url(tpl_url).database
    _admin(
        url,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"',
    )
    try:
        yield
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _samples(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _fig(name: str, value: float, unit: str, base_name: str, base: float, **kw: Any) -> Figure:
    target, limit = kw.pop("target", ""), kw.pop("limit", None)
    ratio = value / base if base else float("inf")
    ok = None if limit is None else ratio <= limit
    return Figure(BENCH, name, value, unit, base_name, base, ratio, target, ok, kw)


def _rescore(app: Any, n: int) -> tuple[list[Figure], list[str]]:
    from sqlalchemy import select, update

    from bench.rescore import _read_rows
    from core.changelog import last_seq, record_change, set_watermark
    from core.clock import today
    from core.consumers import consumers
    from core.db import get_db, writing
    from credit.ratings.facts_loader import Horizon
    from credit.ratings.loader import active_rulebook
    from credit.ratings.rescoring import rescore
    from credit.records.models import Enterprise

    db = get_db()
    day, book = today(), active_rulebook()
    jobs = min(4, os.cpu_count() or 1)
    reader = db.new_session()
    read = timed(lambda: _read_rows(reader, Horizon.for_rulebook(day, book.lookback_days)), 2)
    reader.close()

    def full() -> None:
        with writing():
            s = db.new_session()
            rescore(s, None, day, book, jobs=jobs)
            s.commit()
            s.close()

    first = timed(full)
    again = timed(full)
    # the full rescore rated everything written so far: the rescoring consumer starts at
    # the head, as after `flask credit rescore` in production
    with writing():
        s = db.new_session()
        set_watermark(s, "rescoring", last_seq(s))
        changed = s.execute(
            select(Enterprise.id, Enterprise.uscc).where(Enterprise.id % 100 == 0)
        ).all()
        s.execute(
            update(Enterprise)
            .where(Enterprise.id % 100 == 0)
            .values(status="suspended")
            .execution_options(synchronize_session=False)
        )
        for eid, uscc in changed:
            record_change(s, "enterprise", uscc, enterprise_id=eid)
        s.commit()
        s.close()
    consumer = next(c for c in consumers(app) if c.name == "rescoring")
    incremental = timed(consumer.catch_up)
    return [
        _fig(
            f"full rescore, first run ({jobs} processes)",
            first,
            "s",
            "read input rows",
            read,
            target="≤ 2×",
            limit=2.0,
        ),
        _fig(
            f"full rescore, nothing changed ({jobs} processes)",
            again,
            "s",
            "read input rows",
            read,
            target="≤ 2×",
            limit=2.0,
        ),
        _fig(
            f"incremental rescore, 1% changed ({len(changed)} enterprises)",
            incremental,
            "s",
            "full rescore (first run)",
            first,
            target="≤ 0.03×",
            limit=0.03,
            changed=len(changed),
        ),
    ], [
        f"rescore: {n} enterprises rated on {day} with {jobs} processes; the incremental "
        f"rescore is the rescoring consumer's catch-up after 1% of enterprises (id % 100 = 0) "
        f"changed status, each with its change-log row"
    ]


def _queries(session: Any) -> list[str]:
    from bench.search import _queries as make

    docs = [
        {"title": name, "body_text": body}
        for name, body in session.execute(
            text(
                "SELECT e.name, COALESCE(p.facts, e.address) FROM enterprises e "
                "LEFT JOIN penalties p ON p.enterprise_id = e.id WHERE e.id % 97 = 0 "
                "ORDER BY e.id LIMIT 2000"
            )
        )
    ]
    return make(docs)


def _bare_search(conn: Any, q: str) -> None:
    from search.analysis import clean, iter_query_terms

    terms = list(iter_query_terms(clean(q)))[:16]
    if not terms:
        return
    match = " && ".join(f"plainto_tsquery('simple', :t{i})" for i in range(len(terms)))
    params = {f"t{i}": t for i, t in enumerate(terms)} | {"all": " ".join(terms)}
    conn.execute(
        text(
            f"SELECT id FROM search_documents WHERE tsv @@ ({match}) "
            "ORDER BY ts_rank(tsv, plainto_tsquery('simple', :all)) DESC, id LIMIT 20"
        ),
        params,
    ).all()
    conn.execute(
        text(f"SELECT count(*) FROM search_documents WHERE tsv @@ ({match})"),
        params,
    ).scalar()


def _search(app: Any) -> tuple[list[Figure], list[str]]:
    from bench.search import _backend_query
    from core.db import get_db, writing
    from search.analysis import init_jieba
    from search.indexer import rebuild

    init_jieba()
    db = get_db()
    backend = app.extensions["envcredit.search"]
    with writing():
        s = db.new_session()
        started = time.perf_counter()
        docs = rebuild(s, backend)
        s.commit()
        build = time.perf_counter() - started
        queries = _queries(s)
        s.close()
    ours = _samples_each(lambda q: _backend_query(backend, q, False), queries)
    with db.engine.connect() as conn:
        bare = _samples_each(lambda q: _bare_search(conn, q), queries)
    return [
        _fig(
            "PostgreSQL search: index build (with jieba)",
            docs / build,
            "docs/s",
            "-",
            0.0,
            docs=docs,
            seconds=round(build, 1),
        ),
        _fig(
            "PostgreSQL search: query p95 (top 20 + total)",
            _p95(ours) * 1000,
            "ms",
            "bare tsvector @@ + ts_rank p95",
            _p95(bare) * 1000,
            target="≤ 2×",
            limit=2.0,
            p50_ms=round(statistics.median(ours) * 1000, 2),
            bare_p50_ms=round(statistics.median(bare) * 1000, 2),
        ),
    ], [
        f"search: {docs} documents rebuilt into the PostgreSQL backend; {len(queries)} queries "
        f"(company-name fragments, violation phrases, two body words) from the loaded data; "
        f"the baseline runs the same jieba tokens as one tsquery (@@, ts_rank, LIMIT 20, "
        f"count(*)) without the backend's exact-code lookup and stored fields"
    ]


def _samples_each(fn: Callable[[str], None], queries: list[str]) -> list[float]:
    fn(queries[0])
    out = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - started)
    return out


def _endpoints(app: Any) -> tuple[list[Figure], list[str]]:
    from core.db import get_db

    app.config.update(
        API_ANON_RATE_LIMIT="100000000 per minute", EXPORT_ANON_RATE_LIMIT="1000000 per minute"
    )
    client = app.test_client()
    engine = get_db().engine
    with engine.connect() as conn:
        usccs = conn.execute(text("SELECT count(*) FROM enterprises")).scalar() or 0
        deep_uscc = conn.execute(
            text("SELECT uscc FROM enterprises ORDER BY uscc OFFSET :o LIMIT 1"),
            {"o": int(usccs * 0.9)},
        ).scalar()
        pen = conn.execute(text("SELECT max(id) FROM penalties")).scalar() or 0
        head = conn.execute(text("SELECT max(seq) FROM change_log")).scalar() or 0
    figures = []
    cases = [
        (
            "GET /enterprises, keyset page at 90%",
            f"/api/v1/enterprises?after={deep_uscc}&limit=100",
            "SELECT * FROM enterprises WHERE uscc > :a ORDER BY uscc LIMIT 100",
            {"a": deep_uscc},
        ),
        (
            "GET /penalties, keyset page at 90%",
            f"/api/v1/penalties?after={int(pen * 0.9)}&limit=100",
            "SELECT * FROM penalties WHERE id > :a ORDER BY id LIMIT 100",
            {"a": int(pen * 0.9)},
        ),
        (
            "GET /changes from 0",
            "/api/v1/changes?after=0&limit=1000",
            "SELECT * FROM change_log WHERE seq > :a ORDER BY seq LIMIT 1000",
            {"a": 0},
        ),
        (
            "GET /changes from the middle",
            f"/api/v1/changes?after={head // 2}&limit=1000",
            "SELECT * FROM change_log WHERE seq > :a ORDER BY seq LIMIT 1000",
            {"a": head // 2},
        ),
    ]
    for name, path, sql, params in cases:

        def get(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        ours = _samples(get, 20)
        with engine.connect() as conn:
            bare = _samples(lambda s=sql, p=params: conn.execute(text(s), p).all(), 20)
        figures.append(
            _fig(
                f"{name}, p95",
                _p95(ours) * 1000,
                "ms",
                "bare SELECT p95",
                _p95(bare) * 1000,
                p50_ms=round(statistics.median(ours) * 1000, 2),
            )
        )
    return figures, [
        "lists and change feed: 20 requests each through the app in process (Flask test "
        "client, no HTTP), vs the same keyset page read by a bare SELECT of the table"
    ]


def _export(app: Any, url: str) -> tuple[list[Figure], list[str]]:
    client = app.test_client()
    started = time.perf_counter()
    size = 0
    with client.get("/api/v1/exports/penalties.csv") as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.response:
            size += len(chunk)
    ours = time.perf_counter() - started
    psql = shutil.which("psql")
    if psql is None:
        return [], ["export: psql not found, no baseline"]
    u = make_url(url)
    env = {**os.environ, "PGPASSWORD": u.password or ""}
    args = [psql, "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or ""]
    started = time.perf_counter()
    subprocess.run(
        [*args, "-d", u.database or "", "-c", "\\copy penalties TO '/dev/null' CSV HEADER"],
        env=env,
        check=True,
        capture_output=True,
    )
    base = time.perf_counter() - started
    return [
        _fig(
            "penalty CSV export",
            ours,
            "s",
            "psql \\copy penalties",
            base,
            target="≤ 2×",
            limit=2.0,
            bytes=size,
        )
    ], [
        "export: streamed through the app in process; psql \\copy writes every column of "
        "every row, the export the published rows' columns"
    ]


def _by_uscc(url: str, tmp: str, seconds: int) -> tuple[list[Figure], list[str]]:
    from bench.load import _free_port, _locust, start_server

    engine = create_engine(url)
    with engine.connect() as conn:
        usccs = [
            r[0]
            for r in conn.execute(text("SELECT uscc FROM enterprises ORDER BY random() LIMIT 500"))
        ]
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ENVCREDIT_INSTANCE": tmp,
        "SEARCH_BACKEND": "postgres",
        "BACKGROUND_CONSUMERS": "false",
        "API_ANON_RATE_LIMIT": "100000000 per minute",
        "LOAD_USCCS": ",".join(usccs),
        "LOAD_CODES_FILE": str(Path(tmp, "codes")),
    }
    port, bare_port = _free_port(), _free_port()
    server = start_server(env, port)
    bare = start_server(None, bare_port, "bench.bare_app:app", "/api/v1/enterprises/x")
    try:
        ours = _locust(env, port, "ByUscc", seconds, Path(tmp, "ours"), clients=16)
        base = _locust(env, bare_port, "ByUscc", seconds, Path(tmp, "bare"), clients=16)
    finally:
        server.terminate()
        bare.terminate()
        server.wait(10)
        bare.wait(10)
    p99, base_p99 = float(ours["99%"]), float(base["99%"])
    return [
        Figure(
            BENCH,
            "GET /enterprises/{uscc} p99, 16 clients",
            p99,
            "ms",
            "bare Flask endpoint p99",
            base_p99,
            p99 / max(base_p99, 1.0),
            "p99 ≤ 50 ms",
            p99 <= 50,
            {
                "rps": float(ours["Requests/s"]),
                "bare_rps": float(base["Requests/s"]),
                "p50_ms": float(ours["50%"]),
                "failures": int(ours["Failure Count"]),
            },
        )
    ], [f"GET by USCC: 16 locust users for {seconds} s, gunicorn 1 worker 16 threads"]


def run(scale: float) -> tuple[list[Figure], list[str]]:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return [], ["skipped: set BENCH_DATABASE_URL to a PostgreSQL URL (a database it owns)"]
    n = max(1000, int(int(os.environ.get("SCALE_ENTERPRISES", "1000000")) * scale))
    seed = int(os.environ.get("SCALE_SEED", "1"))
    seconds = int(os.environ.get("SCALE_LOCUST_SECONDS", "30"))
    os.environ.setdefault("BACKGROUND_CONSUMERS", "false")
    tpl_url, loaded = _template(url, n, seed)
    figures: list[Figure] = []
    notes: list[str] = []
    engine = create_engine(tpl_url)
    with engine.connect() as conn:
        rows = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in (
                "enterprises",
                "permits",
                "permit_limits",
                "inspections",
                "penalties",
                "disclosure_reports",
                "emission_accounts",
                "change_log",
            )
        }
        size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())
    engine.dispose()
    records = sum(v for k, v in rows.items() if k != "change_log")
    if loaded is not None:
        figures.append(
            Figure(
                BENCH,
                f"demo load (COPY), {n} enterprises",
                records / loaded,
                "rows/s",
                "-",
                0.0,
                0.0,
                extra={"seconds": round(loaded, 1), "rows": rows, "db_mb": size // 2**20},
            )
        )
    notes.append(
        f"{n} enterprises (seed {seed}), {records} records, {rows['change_log']} change-log "
        f"rows, database {size / 2**30:.2f} GiB; load "
        + (f"{loaded:.0f} s" if loaded is not None else "reused from the template")
        + f"; load average {os.getloadavg()[0]:.1f} at the start"
    )
    from wsgi import create_app

    with tempfile.TemporaryDirectory(prefix="envcredit-scale-") as tmp, _fresh(url, tpl_url):
        app = create_app(
            {
                "ENVCREDIT_INSTANCE": tmp,
                "DATABASE_URL": url,
                "BACKGROUND_CONSUMERS": False,
                "SEARCH_BACKEND": "postgres",
            }
        )
        with app.app_context():
            for part in (_rescore(app, n), _search(app), _endpoints(app), _export(app, url)):
                figures += part[0]
                notes += part[1]
        app.extensions["envcredit.db"].dispose()
        figs, more = _by_uscc(url, tmp, seconds)
        figures += figs
        notes += more
    notes.append(f"load average {os.getloadavg()[0]:.1f} at the end")
    return figures, notes
