"""bench/search: the search backends vs bare SQLite FTS5, each from raw text through jieba.

200k penalty notices + 100k enterprises at scale 1. Targets: query p95 ≤ 2× FTS5 (top 20 +
exact total), build ≥ 0.8× FTS5 (docs/s).

The targets apply to the default backend (SQLite FTS5, ``search.sqlite_backend``); the Whoosh
backend is measured the same way for reference.

Build, timed end to end from document sources (raw name and body text) to a searchable index:

* a backend: ``search.indexer.load`` — exactly what ``flask search rebuild`` runs after
  reading the database: jieba segmentation (``search.pipeline``, in worker processes for large
  inputs) feeding the backend's bulk load;
* FTS5: ``search.analysis.segmented`` on name and body in the one process, rows inserted into
  an FTS5 table (name, body) plus an ordinary facet table keyed by the same rowid, one
  transaction. For reference (no target) FTS5 is also timed with the same segmentation pool.

Queries (200 fixed ones, after one warm-up query per engine), two pages per engine:

* (a) top 20 by relevance and the exact total: the backend's ``search`` with
  ``facets=False``; FTS5 ``MATCH … ORDER BY bm25 LIMIT 20`` plus ``count(*)`` of the same MATCH;
* (b) (a) plus counts by region / industry section / level / year: the backend's ``search``;
  FTS5 one statement grouping the facet table over the MATCH's rowids (materialised once).
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.report import Figure
from credit.demo import names as W
from search.analysis import clean, code_key, init_jieba, iter_query_terms, segmented, tokens
from search.backend import Query
from search.indexer import load
from search.pipeline import analysed
from search.sqlite_backend import SqliteBackend
from search.whoosh_backend import WhooshBackend

LEVELS = ("green", "blue", "yellow", "red", "black", "unrated")
CHUNK = 2000  # sources per chunk, as the database is read by a rebuild
FACETS_SQL = """
WITH m AS MATERIALIZED (SELECT rowid FROM docs WHERE docs MATCH :q)
SELECT 'region', region, count(*) FROM facets JOIN m ON facets.rowid = m.rowid GROUP BY 2
UNION ALL
SELECT 'industry', section, count(*) FROM facets JOIN m ON facets.rowid = m.rowid GROUP BY 2
UNION ALL
SELECT 'level', level, count(*) FROM facets JOIN m ON facets.rowid = m.rowid GROUP BY 2
UNION ALL
SELECT 'year', year, count(*) FROM facets JOIN m ON facets.rowid = m.rowid GROUP BY 2
"""


def _sources(n_ent: int, n_pen: int, seed: int = 7) -> list[dict[str, Any]]:
    """Unsegmented documents (see search.pipeline), the same for both engines."""
    rng = random.Random(seed)
    docs = []
    for i in range(n_ent + n_pen):
        code, short, _abbr, _pos = rng.choice(W.CITIES)
        division = rng.choice(list(W.INDUSTRIES))
        name = (
            f"{short}{rng.choice(W.BRANDS)}{rng.choice(W.INDUSTRIES[division])}"
            f"{rng.choice(W.SUFFIXES)}"
        )
        if i < n_ent:
            body = f"{short}市{rng.choice(W.ROADS)}{rng.randint(1, 999)}号"
            kind, title, year = "enterprise", name, ""
        else:
            what, basis, *_ = rng.choice(W.VIOLATIONS)
            body = rng.choice(W.FACT_TEMPLATES).format(
                date="2025年5月1日",
                agency=f"{short}市生态环境局",
                name=name,
                what=what,
                basis_short=basis,
                report=f"JC-{i}",
            )
            kind, title = "penalty", f"{short}环罚〔2025〕{i}号 {name}"
            year = str(rng.randint(2021, 2025))
        docs.append(
            {
                "id": f"{kind}:{i}",
                "type": kind,
                "uscc": f"{i:018d}",
                "title": title,
                "text": body,
                "codes": [f"{i:018d}"],
                "name_text": name,
                "pinyin_names": [],
                "body_text": body,
                "region_code": code,
                "regions": [code[:2], code[:4], code],
                "industry": [division[0], division],
                "level": rng.choice(LEVELS),
                "year": year,
                "date": None,
            }
        )
    return docs


def _chunks(sources: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(sources), CHUNK):
        yield sources[start : start + CHUNK]


def _queries(sources: list[dict[str, Any]], n: int = 200) -> list[str]:
    rng = random.Random(11)
    words = [violation[0] for violation in W.VIOLATIONS]
    out = []
    for i in range(n):
        doc = rng.choice(sources)
        if i % 3 == 0:
            out.append(clean(doc["title"])[:6])  # a company-name fragment
        elif i % 3 == 1:
            out.append(rng.choice(words)[:4])  # a violation phrase
        else:
            out.append(" ".join(rng.sample(segmented(doc["body_text"]).split(), 2)))
    return out


def _fts5_build(
    path: Path, sources: list[dict[str, Any]], pooled: bool
) -> tuple[sqlite3.Connection, float]:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, name, body)")
    conn.execute(
        "CREATE TABLE facets (rowid INTEGER PRIMARY KEY, region TEXT, section TEXT, "
        "level TEXT, year TEXT)"
    )
    started = time.perf_counter()
    rowid = 0
    if pooled:
        docs = (chunk for chunk in analysed(_chunks(sources)))
    else:
        docs = (
            [
                {**s, "name": segmented(s["name_text"]), "body": segmented(s["body_text"])}
                for s in chunk
            ]
            for chunk in _chunks(sources)
        )
    for chunk in docs:
        rows = [(rowid + i + 1, d) for i, d in enumerate(chunk)]
        rowid += len(chunk)
        conn.executemany(
            "INSERT INTO docs (rowid, id, name, body) VALUES (?, ?, ?, ?)",
            [(r, d["id"], d["name"], d["body"]) for r, d in rows],
        )
        conn.executemany(
            "INSERT INTO facets VALUES (?, ?, ?, ?, ?)",
            [(r, d["region_code"][:4], d["industry"][0], d["level"], d["year"]) for r, d in rows],
        )
    conn.commit()
    return conn, time.perf_counter() - started


def _fts5_query(conn: sqlite3.Connection, q: str, facets: bool) -> None:
    terms = [t.replace('"', '""') for t in tokens(q)]
    if not terms:
        return
    match = " AND ".join(f'"{t}"' for t in terms)
    conn.execute(
        "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 1.0) LIMIT 20", (match,)
    ).fetchall()
    conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()
    if facets:
        out: dict[str, dict[str, int]] = {}
        for name, key, n in conn.execute(FACETS_SQL, {"q": match}):
            if key:
                out.setdefault(name, {})[key] = n


def _backend_query(backend: Any, q: str, facets: bool) -> None:
    text = clean(q)
    terms = tuple(list(iter_query_terms(text))[:16])
    backend.search(Query(text=text, terms=terms, code=code_key(text), per_page=20, facets=facets))


def _build(backend: Any, sources: list[dict[str, Any]]) -> float:
    """Seconds for a rebuild's pipeline (search.indexer.load) into ``backend``."""
    started = time.perf_counter()
    backend.clear()
    loaded = load(backend, _chunks(sources))
    elapsed = time.perf_counter() - started
    assert loaded == len(sources) and backend.count() == len(sources)
    return elapsed


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def _times(fn: Callable[[str], None], queries: list[str]) -> list[float]:
    fn(queries[0])  # warm-up: open the searcher / statement caches
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t0)
    return out


def run(scale: float) -> tuple[list[Figure], list[str]]:
    init_jieba()
    n_ent, n_pen = int(100_000 * scale), int(200_000 * scale)
    sources = _sources(n_ent, n_pen)
    queries = _queries(sources)
    n = len(sources)
    builds: dict[str, float] = {}
    times: dict[tuple[str, bool], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        conn, builds["fts"] = _fts5_build(Path(tmp, "fts.db"), sources, pooled=False)
        print(f"  FTS5 build {n / builds['fts']:.0f} docs/s", flush=True)
        pooled_conn, builds["fts pooled"] = _fts5_build(
            Path(tmp, "fts-pooled.db"), sources, pooled=True
        )
        pooled_conn.close()
        print(
            f"  FTS5 build, pooled segmentation {n / builds['fts pooled']:.0f} docs/s", flush=True
        )
        backends = {
            "sqlite": SqliteBackend(Path(tmp, "sqlite")),
            "whoosh": WhooshBackend(Path(tmp, "whoosh")),
        }
        for name, backend in backends.items():
            builds[name] = _build(backend, sources)
            print(f"  {name} backend build {n / builds[name]:.0f} docs/s", flush=True)
        for facets in (False, True):
            times["fts", facets] = _times(lambda q, f=facets: _fts5_query(conn, q, f), queries)
            for name, backend in backends.items():
                times[name, facets] = _times(
                    lambda q, b=backend, f=facets: _backend_query(b, q, f), queries
                )
        for backend in backends.values():
            backend.close()
        conn.close()
    figures = []
    for name, label, target in (
        ("sqlite", "SQLite FTS5 backend (default)", True),
        ("whoosh", "Whoosh backend", False),
    ):
        ratio = builds["fts"] / builds[name]
        figures += [
            Figure(
                "search",
                f"{label}: index build (with jieba)",
                n / builds[name],
                "docs/s",
                "FTS5 build",
                n / builds["fts"],
                ratio,
                "≥ 0.8×" if target else "",
                (ratio >= 0.8) if target else None,
            ),
            Figure(
                "search",
                f"{label}: index build vs FTS5 with the same segmentation pool",
                n / builds[name],
                "docs/s",
                "FTS5 build (pooled)",
                n / builds["fts pooled"],
                builds["fts pooled"] / builds[name],
            ),
        ]
        for facets, what in ((False, "top 20 + total"), (True, "top 20 + total + facets")):
            f50, f95 = _percentiles(times["fts", facets])
            b50, b95 = _percentiles(times[name, facets])
            goal = target and not facets
            figures += [
                Figure(
                    "search",
                    f"{label}: query p50 ({what})",
                    b50 * 1000,
                    "ms",
                    "FTS5 p50",
                    f50 * 1000,
                    b50 / f50,
                ),
                Figure(
                    "search",
                    f"{label}: query p95 ({what})",
                    b95 * 1000,
                    "ms",
                    "FTS5 p95",
                    f95 * 1000,
                    b95 / f95,
                    "≤ 2×" if goal else "",
                    (b95 / f95 <= 2.0) if goal else None,
                ),
            ]
    return figures, [
        f"{n} documents ({n_ent} enterprises, {n_pen} penalty notices), 200 queries. Both "
        "search backends are measured; the targets apply to the default one (SQLite FTS5), "
        "the Whoosh figures are for reference. Build: every engine starts from raw name/body "
        "text and segments it with jieba; a backend runs search.indexer.load (the rebuild "
        "pipeline: segmentation in a pool of worker processes feeding one bulk writer), the "
        "FTS5 baseline segments in its one process and inserts into an FTS5 table (id, name, "
        "body) plus a facet table (also shown with the same pool, no target). The backend "
        "also writes pinyin, exact codes and stored fields. Queries: (a) top 20 by relevance "
        "+ exact total (FTS5: MATCH ORDER BY bm25 LIMIT 20 + count(*)); (b) the same + "
        "region/industry/level/year counts (FTS5: GROUP BY over the MATCH's rowids in the "
        "facet table). A backend also looks up exact codes and returns its hits' stored "
        "fields; FTS5 returns ids. Pinyin terms are not part of this data set."
    ]
