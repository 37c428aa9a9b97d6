"""The default, embedded backend: an SQLite FTS5 index file under the instance folder.

Four tables in ``<INDEX_DIR>/search.sqlite3``, numbered by one document number ``n``:

* ``meta``: what filters, facets and the date order read (narrow rows);
* ``doc``: what a hit shows;
* ``code``: exact codes (USCC, permit and decision numbers), for exact lookups;
* ``fts``: an FTS5 table of the jieba-segmented name, pinyin and body.

The text arrives segmented (space-separated jieba tokens); the FTS5 tokenizer keeps the
characters jieba leaves inside a token (``.-_%+#&``), so each jieba token is one FTS5 token.
(Positions are kept although no query needs them: with ``detail=column`` bm25() ranks broad
queries about eight times slower.)

Every write is one SQLite transaction (WAL): a writer killed half-way leaves the index as it
was, and the next writer simply starts. Each thread reads through its own connection, opened
in the process that uses it (a process must not fork while one of its threads holds one).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.config import private_dir, private_file
from search.analysis import FUZZY_MARK
from search.backend import FACETS, Hit, Query, Results, page_shown

FILENAME = "search.sqlite3"
SCHEMA_VERSION = 2  # 2: codes as search.analysis.code_key, fuzzy pinyin
#: column weights of bm25(): name, pinyin, body (like the Whoosh field boosts)
RANK = "bm25(fts, 3.0, 2.0, 1.0)"
EXACT_SCORE = 100.0
BUSY_TIMEOUT_MS = 30_000
WAL_LIMIT = 64 * 1024 * 1024  # bytes the write-ahead log keeps after a checkpoint
TOKENIZER = "unicode61 tokenchars '.-_%+#&'"
SCHEMA = (
    # what filters, facets and the date order read: narrow rows, many to a page
    """CREATE TABLE meta (
        n INTEGER PRIMARY KEY, type TEXT NOT NULL, region_code TEXT NOT NULL,
        region4 TEXT NOT NULL, industry_code TEXT NOT NULL, section TEXT NOT NULL,
        level TEXT NOT NULL, year TEXT NOT NULL, date INTEGER)""",
    "CREATE INDEX meta_date ON meta (date)",
    # what a hit shows
    """CREATE TABLE doc (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
        uscc TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, level TEXT NOT NULL,
        region_code TEXT NOT NULL, date INTEGER)""",
    "CREATE TABLE code (code TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (code, n)) "
    "WITHOUT ROWID",
    "CREATE INDEX code_n ON code (n)",
    f"""CREATE VIRTUAL TABLE fts USING fts5 (name, pinyin, body,
        tokenize = "{TOKENIZER}")""",
)
TABLES = ("fts", "code", "doc", "meta")
HIT_COLUMNS = "d.id, d.type, d.uscc, d.title, d.text, d.level, d.region_code, d.date"
FACET_COLUMNS = {
    "type": "type",
    "region": "region4",
    "industry": "section",
    "level": "level",
    "year": "year",
}


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: Iterable[str]) -> str:
    """An FTS5 query: every term in the name, body or pinyin; Latin words also as pinyin
    prefixes (``lanz`` finds ``lanzhou``). Terms are quoted: no query syntax gets through."""
    parts = []
    for term in terms:
        phrase = _phrase(term)
        if term.isascii() and term.isalpha() and len(term) >= 2:
            parts.append(f"({{name body}} : {phrase} OR pinyin : {phrase} *)")
        else:
            parts.append(f"{{name body pinyin}} : {phrase}")
    return " AND ".join(parts)


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _filters(q: Query) -> tuple[str, dict[str, Any]]:
    clauses, params = ["1"], {}
    if q.type:
        clauses.append("m.type = :type")
        params["type"] = q.type
    for column, prefix in (("region_code", q.region), ("industry_code", q.industry)):
        if prefix:  # a prefix as a range: the region tree and the industry hierarchy
            clauses.append(f"m.{column} >= :{column}_lo AND m.{column} < :{column}_hi")
            params[f"{column}_lo"], params[f"{column}_hi"] = prefix, _next_prefix(prefix)
    for column in ("level", "year"):
        if value := getattr(q, column):
            clauses.append(f"m.{column} = :{column}")
            params[column] = value
    return " AND ".join(clauses), params


def _rows(n: int, doc: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(meta row, doc row) of document number ``n``."""
    industry = max(doc["industry"], key=len) if doc["industry"] else ""
    date = doc["date"].toordinal() if doc["date"] else None
    return (
        (
            n,
            doc["type"],
            doc["region_code"],
            doc["region_code"][:4],
            industry,
            industry[:1],
            doc["level"],
            doc["year"],
            date,
        ),
        (
            n,
            doc["id"],
            doc["type"],
            doc["uscc"],
            doc["title"],
            doc["text"],
            doc["level"],
            doc["region_code"],
            date,
        ),
    )


def _hit(row: Any, score: float) -> Hit:
    return Hit.stored(row, score)


class SqliteBackend:
    """SQLite FTS5 with jieba tokens; one connection per thread (and per process)."""

    name = "sqlite"

    def __init__(self, directory: str | Path) -> None:
        self.directory = private_dir(directory)
        self.path = private_file(self.directory / FILENAME)
        self._local = threading.local()
        # A short-lived connection, so that no connection outlives start-up into a fork;
        # the write lock is taken only when the schema must be created, never merely to
        # look (a running rebuild holds that lock for minutes).
        conn = self._connect()
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                with _Transaction(conn, read=False):
                    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                        self._create(conn)  # new, or from another version: rebuilt later
        finally:
            conn.close()

    # connections -------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        conn = self._connect()
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk before the indexer moves its watermark past it
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA mmap_size = 1073741824")  # readers share the OS page cache
        conn.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT}")
        return conn

    def _transaction(self, read: bool = False) -> _Transaction:
        return _Transaction(self._conn(), read)

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local = threading.local()

    # writing -----------------------------------------------------------------------------

    @staticmethod
    def _create(conn: sqlite3.Connection) -> None:
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in SCHEMA:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def upsert(self, docs: list[dict[str, Any]], delete: list[str]) -> None:
        if not docs and not delete:
            return
        docs = list({d["id"]: d for d in docs}.values())  # an id twice: the last one wins
        with self._transaction() as conn:
            gone = [d["id"] for d in docs] + list(delete)
            for start in range(0, len(gone), 500):
                part = gone[start : start + 500]
                marks = ",".join("?" * len(part))
                numbers = [
                    n for (n,) in conn.execute(f"SELECT n FROM doc WHERE id IN ({marks})", part)
                ]
                if numbers:
                    marks = ",".join("?" * len(numbers))
                    for table, column in (
                        ("fts", "rowid"),
                        ("code", "n"),
                        ("doc", "n"),
                        ("meta", "n"),
                    ):
                        conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", numbers)
            self._insert(conn, docs)

    def bulk_load(self, chunks: Iterable[list[dict[str, Any]]]) -> None:
        """Everything replaced in one transaction: searches see the old index until it commits."""
        with self._transaction() as conn:
            self._create(conn)
            for docs in chunks:
                self._insert(conn, docs)
        # the log now holds the whole index: copy it into the database and truncate it
        self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @staticmethod
    def _insert(conn: sqlite3.Connection, docs: list[dict[str, Any]]) -> None:
        if not docs:
            return
        first = (conn.execute("SELECT max(n) FROM doc").fetchone()[0] or 0) + 1
        numbered = list(enumerate(docs, first))
        rows = [_rows(n, d) for n, d in numbered]
        conn.executemany("INSERT INTO meta VALUES (?,?,?,?,?,?,?,?,?)", [m for m, _ in rows])
        conn.executemany("INSERT INTO doc VALUES (?,?,?,?,?,?,?,?,?)", [d for _, d in rows])
        conn.executemany(
            "INSERT INTO code VALUES (?, ?)",
            [(c, n) for n, d in numbered for c in set(d["codes"]) if c],
        )
        conn.executemany(
            "INSERT INTO fts (rowid, name, pinyin, body) VALUES (?, ?, ?, ?)",
            [(n, d["name"], " ".join(d["pinyin"]), d["body"]) for n, d in numbered],
        )

    def clear(self) -> None:
        with self._transaction() as conn:
            self._create(conn)

    # reading -----------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM doc").fetchone()[0])

    def ids(self) -> set[str]:
        return {ident for (ident,) in self._conn().execute("SELECT id FROM doc")}

    def lookup(self, code: str) -> list[Hit]:
        rows = self._conn().execute(
            f"SELECT {HIT_COLUMNS} FROM code JOIN doc d ON d.n = code.n WHERE code.code = ? "
            "ORDER BY d.n",
            (code,),
        )
        return [_hit(row, EXACT_SCORE) for row in rows]

    def search(self, q: Query) -> Results:
        """Exact code matches first, then FTS5's bm25 order; total and facets over the same
        set. All statements read one snapshot."""
        with self._transaction(read=True) as conn:
            return _Search(conn, q).run()


class _Transaction:
    """BEGIN IMMEDIATE (writes) or BEGIN (a read snapshot) … COMMIT, ROLLBACK on error."""

    def __init__(self, conn: sqlite3.Connection, read: bool) -> None:
        self.conn = conn
        self.read = read

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN" if self.read else "BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: Any, *_: Any) -> None:
        if not kind:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:  # SQLite may have rolled back itself (disk full)
            self.conn.execute("ROLLBACK")


class _Search:
    """One query's statements. The matching set is (FTS5 matches ∩ filters) plus the exact
    code matches passing the filters that FTS5 did not match (``extra``). Filters and facets
    read ``meta m``; only the page's hits read ``doc d``."""

    def __init__(self, conn: sqlite3.Connection, q: Query) -> None:
        self.conn, self.q = conn, q
        self.where, self.params = _filters(q)
        self.filtered = self.where != "1"
        if q.pinyin:  # the typo fallback: names spelt alike
            self.match = f"pinyin : {_phrase(FUZZY_MARK + q.pinyin)} *"
        else:
            self.match = match_expression(q.terms) if q.text else ""
        if self.match:
            self.params["match"] = self.match
        self.exact: list[Any] = []  # hit rows of exact code matches, in document order
        if q.text and q.code:
            self.exact = conn.execute(
                f"SELECT {HIT_COLUMNS}, d.n FROM code JOIN meta m ON m.n = code.n "
                f"JOIN doc d ON d.n = code.n WHERE code.code = :code AND {self.where} "
                "ORDER BY d.n",
                {**self.params, "code": q.code},
            ).fetchall()
        self.extra = [row[-1] for row in self.exact]
        if self.extra and self.match:
            marks = ",".join(map(str, self.extra))
            matched = {
                n
                for (n,) in conn.execute(
                    f"SELECT rowid FROM fts WHERE fts MATCH :match AND rowid IN ({marks})",
                    self.params,
                )
            }
            self.extra = [n for n in self.extra if n not in matched]

    def _matches(self, joined: bool) -> str:
        """FROM … WHERE … of the FTS5 matches passing the filters (``m`` when ``joined``)."""
        if joined or self.filtered:
            return (
                f"FROM fts CROSS JOIN meta m ON m.n = fts.rowid "
                f"WHERE fts MATCH :match AND {self.where}"
            )
        return "FROM fts WHERE fts MATCH :match"

    def _select(self, columns: str, joined: bool = True) -> str:
        """SELECT ``columns`` (of ``meta m`` when ``joined``) of every matching document."""
        if not self.q.text:
            return f"SELECT {columns} FROM meta m WHERE {self.where}"
        parts = [f"SELECT {columns} {self._matches(joined)}"] if self.match else []
        if self.extra:
            parts.append(
                f"SELECT {columns} FROM meta m WHERE m.n IN ({','.join(map(str, self.extra))})"
            )
        return " UNION ALL ".join(parts) or f"SELECT {columns} FROM meta m WHERE 0"

    def run(self) -> Results:
        q = self.q
        total = int(
            self.conn.execute(
                f"SELECT count(*) FROM ({self._select('1', False)})", self.params
            ).fetchone()[0]
        )
        page = page_shown(q, total)
        hits = self._page((page - 1) * q.per_page) if total else []
        return Results(total, hits, self._facets() if q.facets else {}, page)

    def _hits(self, numbers: str, order: str, score: str = "0.0") -> list[Hit]:
        """Hits for the documents ``numbers`` selects (a column ``n``), in ``order``."""
        rows = self.conn.execute(
            f"SELECT {HIT_COLUMNS}, {score} FROM ({numbers}) s "
            f"JOIN doc d ON d.n = s.n ORDER BY {order}",
            self.params,
        )
        return [_hit(row, float(row[-1])) for row in rows]

    def _page(self, offset: int) -> list[Hit]:
        q, limit = self.q, self.q.per_page
        if q.sort == "date":
            return self._hits(
                f"SELECT * FROM ({self._select('m.n AS n, m.date AS date')}) "
                f"ORDER BY date DESC, n LIMIT {limit} OFFSET {offset}",
                "s.date DESC, s.n",
            )
        if not q.text:
            return self._hits(
                f"SELECT m.n AS n FROM meta m WHERE {self.where} ORDER BY m.n "
                f"LIMIT {limit} OFFSET {offset}",
                "s.n",
            )
        hits = [_hit(row, EXACT_SCORE) for row in self.exact[offset : offset + limit]]
        if self.match and len(hits) < limit:
            exact = ",".join(str(row[-1]) for row in self.exact)
            skip = f"AND fts.rowid NOT IN ({exact})" if exact else ""
            hits += self._hits(
                f"SELECT fts.rowid AS n, {RANK} AS r {self._matches(False)} {skip} "
                f"ORDER BY r, n LIMIT {limit - len(hits)} "
                f"OFFSET {max(0, offset - len(self.exact))}",
                "s.r, s.n",
                "-s.r",
            )
        return hits

    def _facets(self) -> dict[str, dict[str, int]]:
        columns = ", ".join(f"m.{c} AS {c}" for c in FACET_COLUMNS.values())
        sql = f"WITH f AS MATERIALIZED ({self._select(columns)}) " + " UNION ALL ".join(
            f"SELECT '{name}', {column}, count(*) FROM f GROUP BY 2"
            for name, column in FACET_COLUMNS.items()
        )
        out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for name, key, n in self.conn.execute(sql, self.params):
            if key:
                out[name][str(key)] = int(n)
        return out
