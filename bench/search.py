"""bench/search: Whoosh (our backend) vs SQLite FTS5 over the same jieba-segmented text.

200k penalty notices + 100k enterprises at scale 1. Both engines get identical pre-segmented
text, so the figures compare the engines, not the segmenter. Targets: query p95 ≤ 2× FTS5,
build ≥ 0.8× FTS5 (docs/s).
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import Figure
from credit.demo import names as W
from search.analysis import clean, segmented, tokens
from search.backend import Query
from search.whoosh_backend import WhooshBackend


def _docs(n_ent: int, n_pen: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    docs = []
    for i in range(n_ent + n_pen):
        code, short, _abbr, _pos = rng.choice(W.CITIES)
        division = rng.choice(list(W.INDUSTRIES))
        name = f"{short}{rng.choice(W.BRANDS)}{rng.choice(W.INDUSTRIES[division])}" \
               f"{rng.choice(W.SUFFIXES)}"
        if i < n_ent:
            body = f"{short}市{rng.choice(W.ROADS)}{rng.randint(1, 999)}号"
            kind, title = "enterprise", name
        else:
            what, basis, *_ = rng.choice(W.VIOLATIONS)
            body = rng.choice(W.FACT_TEMPLATES).format(
                date="2025年5月1日", agency=f"{short}市生态环境局", name=name, what=what,
                basis_short=basis, report=f"JC-{i}")
            kind, title = "penalty", f"{short}环罚〔2025〕{i}号 {name}"
        docs.append({"id": f"{kind}:{i}", "type": kind, "uscc": f"{i:018d}", "title": title,
                     "text": body, "codes": [f"{i:018d}"], "name": segmented(name),
                     "pinyin": [], "body": segmented(body), "region_code": code,
                     "regions": [code[:2], code[:4], code], "industry": [division[0], division],
                     "level": "green", "year": "2025", "date": None})
    return docs


def _queries(docs: list[dict[str, Any]], n: int = 200) -> list[str]:
    rng = random.Random(11)
    words = [violation[0] for violation in W.VIOLATIONS]
    out = []
    for i in range(n):
        doc = rng.choice(docs)
        if i % 3 == 0:
            out.append(clean(doc["title"])[:6])  # a company-name fragment
        elif i % 3 == 1:
            out.append(rng.choice(words)[:4])  # a violation phrase
        else:
            out.append(" ".join(rng.sample(doc["body"].split(), 2)))
    return out


def _fts5(path: Path, docs: list[dict[str, Any]]) -> tuple[sqlite3.Connection, float]:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, name, body)")
    started = time.perf_counter()
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                     [(d["id"], d["name"], d["body"]) for d in docs])
    conn.commit()
    return conn, time.perf_counter() - started


def _fts5_query(conn: sqlite3.Connection, q: str) -> None:
    terms = [t.replace('"', '""') for t in tokens(q)]
    if terms:
        match = " AND ".join(f'"{t}"' for t in terms)
        conn.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 1.0) "
                     "LIMIT 20", (match,)).fetchall()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def run(scale: float) -> tuple[list[Figure], list[str]]:
    n_ent, n_pen = int(100_000 * scale), int(200_000 * scale)
    docs = _docs(n_ent, n_pen)
    queries = _queries(docs)
    with tempfile.TemporaryDirectory() as tmp:
        conn, fts_build = _fts5(Path(tmp, "fts.db"), docs)
        backend = WhooshBackend(Path(tmp, "index"))
        started = time.perf_counter()
        for start in range(0, len(docs), 20_000):
            backend.upsert(docs[start:start + 20_000], [])
        whoosh_build = time.perf_counter() - started
        fts_times, whoosh_times = [], []
        for q in queries:
            t0 = time.perf_counter()
            _fts5_query(conn, q)
            fts_times.append(time.perf_counter() - t0)
            query = Query(text=q, terms=tuple(tokens(q))[:16], per_page=20)
            t0 = time.perf_counter()
            backend.search(query)
            whoosh_times.append(time.perf_counter() - t0)
        backend.close()
        conn.close()
    n = len(docs)
    f50, f95 = _percentiles(fts_times)
    w50, w95 = _percentiles(whoosh_times)
    build_ratio = (n / whoosh_build) / (n / fts_build)
    return [
        Figure("search", "index build", n / whoosh_build, "docs/s", "FTS5 build", n / fts_build,
               build_ratio, "≥ 0.8×", build_ratio >= 0.8),
        Figure("search", "query p50 (with facets)", w50 * 1000, "ms", "FTS5 p50", f50 * 1000,
               w50 / f50),
        Figure("search", "query p95 (with facets)", w95 * 1000, "ms", "FTS5 p95", f95 * 1000,
               w95 / f95, "≤ 2×", w95 / f95 <= 2.0),
    ], [f"{n} documents ({n_ent} enterprises, {n_pen} penalty notices), 200 queries; both "
        "engines index the same jieba-segmented text; Whoosh queries include facet counts"]
