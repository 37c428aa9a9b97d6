"""bench/search: the search backends vs bare SQLite FTS5 and bare Tantivy, each from raw text
through jieba.

200k penalty notices + 100k enterprises at scale 1. Targets: the SQLite FTS5 backend
(``search.sqlite_backend``): query p95 ≤ 2× bare FTS5 (top 20 + exact total), build ≥ 0.8×
bare FTS5 (docs/s); the Tantivy backend (``search.tantivy_backend``): query p95 ≤ 1.5× bare
Tantivy for (a) and (b), build ≥ 1.0× bare Tantivy with the same segmentation pool. The
Whoosh backend is measured the same way for reference. ``BENCH_SEARCH_ENGINES``
(comma-separated: sqlite, tantivy, whoosh) measures a subset of the backends.

Build, timed end to end from document sources (raw name and body text) to a searchable index:

* a backend: ``search.indexer.load`` — exactly what ``flask search rebuild`` runs after
  reading the database: jieba segmentation (``search.pipeline``, in worker processes for large
  inputs) feeding the backend's bulk load;
* FTS5: ``search.analysis.segmented`` on name and body in the one process, rows inserted into
  an FTS5 table (id unindexed, name, body) plus an ordinary facet table keyed by the same
  rowid, one transaction. For reference (no target) FTS5 is also timed with the same
  segmentation pool.
* bare Tantivy: the same segmentation (in the one process, and with the same pool), documents
  of id (stored), name and body (whitespace tokenizer, term frequencies, no positions) and
  region / industry section / level / year fast fields, one writer, one commit.

Queries (200 fixed ones, after one warm-up query per engine), two pages per engine:

* (a) top 20 by relevance and the exact total: the backend's ``search`` with
  ``facets=False``; FTS5 ``MATCH … ORDER BY bm25 LIMIT 20`` (name weighted 3, body 1) plus
  ``count(*)`` of the same MATCH; bare Tantivy every term in name (boost 3) or body, top 20
  with the count, the hits' stored ids;
* (b) (a) plus counts by region / industry section / level / year: the backend's ``search``;
  FTS5 one statement grouping the facet table over the MATCH's rowids (materialised once);
  bare Tantivy terms aggregations over the same query.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tantivy

from bench.report import Figure
from credit.demo import names as W
from search.analysis import clean, code_key, init_jieba, iter_query_terms, segmented, tokens
from search.backend import Query
from search.indexer import load
from search.pipeline import analysed
from search.sqlite_backend import SqliteBackend
from search.tantivy_backend import TantivyBackend
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
        # columns: id (unindexed, weight 0), name 3, body 1
        "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0.0, 3.0, 1.0) LIMIT 20",
        (match,),
    ).fetchall()
    conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()
    if facets:
        out: dict[str, dict[str, int]] = {}
        for name, key, n in conn.execute(FACETS_SQL, {"q": match}):
            if key:
                out.setdefault(name, {})[key] = n


def _tantivy_schema() -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    for field in ("name", "body"):
        sb.add_text_field(field, tokenizer_name="ws", index_option="freq")
    for field in ("region", "section", "level", "year"):
        sb.add_text_field(field, tokenizer_name="raw", index_option="basic", fast=True)
    return sb.build()


def _tantivy_build(path: Path, sources: list[dict[str, Any]], pooled: bool) -> tuple[Any, float]:
    """Bare Tantivy: the same jieba tokens, whitespace-tokenised; one writer, one commit."""
    path.mkdir()
    schema = _tantivy_schema()
    index = tantivy.Index(schema, path=str(path))
    index.register_tokenizer(
        "ws",
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.lowercase())
        .build(),
    )
    started = time.perf_counter()
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
    writer = index.writer(256_000_000)
    for chunk in docs:
        for d in chunk:
            fields = {"id": d["id"], "name": d["name"], "body": d["body"]}
            for name, value in (
                ("region", d["region_code"][:4]),
                ("section", d["industry"][0]),
                ("level", d["level"]),
                ("year", d["year"]),
            ):
                if value:
                    fields[name] = value
            writer.add_document(tantivy.Document(**fields))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    elapsed = time.perf_counter() - started
    return (index, schema), elapsed


TANTIVY_AGGS = {
    name: {"terms": {"field": name, "size": 100_000}}
    for name in ("region", "section", "level", "year")
}


def _tantivy_query(engine: Any, q: str, facets: bool) -> None:
    index, schema = engine
    terms = tokens(q)
    if not terms:
        return
    Q, Occur = tantivy.Query, tantivy.Occur
    query = Q.boolean_query(
        [
            (
                Occur.Must,
                Q.boolean_query(
                    [
                        (Occur.Should, Q.boost_query(Q.term_query(schema, "name", t), 3.0)),
                        (Occur.Should, Q.term_query(schema, "body", t)),
                    ]
                ),
            )
            for t in terms
        ]
    )
    searcher = index.searcher()
    found = searcher.search(query, 20, count=True)
    _ids = [searcher.doc(address)["id"][0] for _score, address in found.hits]
    _total = found.count
    if facets:
        out: dict[str, dict[str, int]] = {}
        for name, agg in searcher.aggregate(query, TANTIVY_AGGS).items():
            for bucket in agg["buckets"]:
                out.setdefault(name, {})[bucket["key"]] = bucket["doc_count"]


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


ENGINES = {
    "sqlite": SqliteBackend,
    "tantivy": TantivyBackend,
    "whoosh": WhooshBackend,
}
#: backend → (label, baseline, its label, p95 target for (a), for (b), build target)
TARGETS: dict[str, tuple[str, str, str, float | None, float | None, float | None]] = {
    "sqlite": ("SQLite FTS5 backend (default)", "fts", "FTS5", 2.0, None, 0.8),
    "tantivy": ("Tantivy backend", "tantivy bare", "bare Tantivy", 1.5, 1.5, None),
    "whoosh": ("Whoosh backend", "fts", "FTS5", None, None, None),
}


def _engines() -> list[str]:
    wanted = [e for e in os.environ.get("BENCH_SEARCH_ENGINES", "").split(",") if e]
    return [e for e in ENGINES if not wanted or e in wanted]


def _backend_figures(
    name: str, n: int, builds: dict[str, float], times: dict[tuple[str, bool], list[float]]
) -> list[Figure]:
    label, base, base_label, goal_a, goal_b, goal_build = TARGETS[name]
    figures = []
    pooled = f"{base} pooled"
    ratio = builds[base] / builds[name]
    pooled_ratio = builds[pooled] / builds[name]
    if name == "tantivy":  # the build target is against the same segmentation pool
        pooled_goal, goal_build = 1.0, None
    else:
        pooled_goal = None
    figures += [
        Figure(
            "search",
            f"{label}: index build (with jieba)",
            n / builds[name],
            "docs/s",
            f"{base_label} build",
            n / builds[base],
            ratio,
            f"≥ {goal_build}×" if goal_build else "",
            (ratio >= goal_build) if goal_build else None,
        ),
        Figure(
            "search",
            f"{label}: index build vs {base_label} with the same segmentation pool",
            n / builds[name],
            "docs/s",
            f"{base_label} build (pooled)",
            n / builds[pooled],
            pooled_ratio,
            f"≥ {pooled_goal}×" if pooled_goal else "",
            (pooled_ratio >= pooled_goal) if pooled_goal else None,
        ),
    ]
    for facets, what, goal in (
        (False, "top 20 + total", goal_a),
        (True, "top 20 + total + facets", goal_b),
    ):
        f50, f95 = _percentiles(times[base, facets])
        b50, b95 = _percentiles(times[name, facets])
        figures += [
            Figure(
                "search",
                f"{label}: query p50 ({what})",
                b50 * 1000,
                "ms",
                f"{base_label} p50",
                f50 * 1000,
                b50 / f50,
            ),
            Figure(
                "search",
                f"{label}: query p95 ({what})",
                b95 * 1000,
                "ms",
                f"{base_label} p95",
                f95 * 1000,
                b95 / f95,
                f"≤ {goal}×" if goal else "",
                (b95 / f95 <= goal) if goal else None,
            ),
        ]
    return figures


def run(scale: float) -> tuple[list[Figure], list[str]]:
    init_jieba()
    n_ent, n_pen = int(100_000 * scale), int(200_000 * scale)
    sources = _sources(n_ent, n_pen)
    queries = _queries(sources)
    n = len(sources)
    engines = _engines()
    builds: dict[str, float] = {}
    times: dict[tuple[str, bool], list[float]] = {}
    loadavg = os.getloadavg()
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
        bare, builds["tantivy bare"] = _tantivy_build(Path(tmp, "tantivy"), sources, pooled=False)
        print(f"  bare Tantivy build {n / builds['tantivy bare']:.0f} docs/s", flush=True)
        _pooled, builds["tantivy bare pooled"] = _tantivy_build(
            Path(tmp, "tantivy-pooled"), sources, pooled=True
        )
        del _pooled
        print(
            f"  bare Tantivy build, pooled segmentation "
            f"{n / builds['tantivy bare pooled']:.0f} docs/s",
            flush=True,
        )
        backends = {name: ENGINES[name](Path(tmp, name)) for name in engines}
        for name, backend in backends.items():
            builds[name] = _build(backend, sources)
            print(f"  {name} backend build {n / builds[name]:.0f} docs/s", flush=True)
        for facets in (False, True):
            times["fts", facets] = _times(lambda q, f=facets: _fts5_query(conn, q, f), queries)
            times["tantivy bare", facets] = _times(
                lambda q, f=facets: _tantivy_query(bare, q, f), queries
            )
            for name, backend in backends.items():
                times[name, facets] = _times(
                    lambda q, b=backend, f=facets: _backend_query(b, q, f), queries
                )
        for backend in backends.values():
            backend.close()
        conn.close()
    figures = []
    for name in engines:
        figures += _backend_figures(name, n, builds, times)
    return figures, [
        f"{n} documents ({n_ent} enterprises, {n_pen} penalty notices), 200 queries; load "
        f"average at the start {loadavg[0]:.2f} / {loadavg[1]:.2f} / {loadavg[2]:.2f} (1/5/15 min; "
        f"{os.cpu_count()} CPUs, shared). Backends measured: {', '.join(engines)}. Targets: "
        "the SQLite FTS5 backend against bare FTS5, the Tantivy backend against bare Tantivy; "
        "the Whoosh figures are for reference. Build: every engine starts from raw name/body "
        "text and segments it with jieba; a backend runs search.indexer.load (the rebuild "
        "pipeline: segmentation in a pool of worker processes feeding one bulk writer), the "
        "bare baselines segment in their one process (also shown with the same pool: the "
        "Tantivy build target is against that one) and write id, name and body plus the "
        "four facet values. A backend also writes pinyin, exact codes and stored fields. "
        "Queries: (a) top 20 by relevance + exact total (FTS5: MATCH ORDER BY bm25(docs, 0, "
        "3, 1) LIMIT 20 + count(*); bare Tantivy: every term in name^3 or body, top 20 with "
        "the count); (b) the same + region/industry/level/year counts (FTS5: GROUP BY over "
        "the MATCH's rowids in the facet table; bare Tantivy: terms aggregations). A backend "
        "also looks up exact codes and pinyin and returns its hits' stored fields; the bare "
        "engines return ids. Pinyin terms are not part of this data set."
    ]
