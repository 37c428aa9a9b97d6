"""An embedded backend: a Tantivy index (the official ``tantivy`` bindings) under
``<INDEX_DIR>/tantivy/``, fed the same jieba tokens as the other backends.

The text arrives segmented (space-separated jieba tokens); the ``ws`` analyzer (whitespace
tokenizer, lower-cased) makes each jieba token one Tantivy term. Filters and facets read raw
(untokenised) fields; facets are Tantivy terms aggregations over fast fields; a hit's stored
fields are one JSON blob.

Crash safety: a Tantivy commit is atomic (a new ``meta.json`` replaces the old one), and
``upsert`` returns only after it; the indexer moves its watermark after ``upsert`` returns, so
a writer killed before its commit leaves the index as it was and the batch is applied again.
One writer at a time across processes: every write holds an ``fcntl`` lock on
``writer.lock`` (waiting up to ``WRITER_TIMEOUT`` seconds, then failing clearly); Tantivy's own
writer lock is taken only inside it. A killed process's locks go with it.

Highlights: the service's ``highlight`` (search.service) marks the stored raw text, as for
every backend. Tantivy's SnippetGenerator highlights a stored field with that field's own
tokenizer, and our indexed fields hold pre-segmented tokens while the shown text is raw, so
the generator would find no match in it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from core.config import private_dir
from search.analysis import FUZZY_MARK
from search.backend import FACETS, Hit, Query, Results, page_shown

SUBDIR = "tantivy"
SCHEMA_VERSION = "1"
VERSION_FILE = "envcredit-schema"
LOCK_FILE = "writer.lock"
WRITER_TIMEOUT = 30.0
EXACT_SCORE = 100.0
#: field weights: name, pinyin, body (as the other backends)
BOOSTS = {"name": 3.0, "pinyin": 2.0, "body": 1.0}
#: a Latin word also as a pinyin prefix (lanz → lanzhou), weighted like Whoosh's
PREFIX_BOOST = 0.5
#: exact code matches score above anything bm25 gives, so they rank first
EXACT_BOOST = 1e6
UPSERT_HEAP = 50_000_000
BULK_HEAP = 256_000_000
FACET_FIELDS = {"type": "type", "region": "region", "industry": "section", "level": "level"}
FACET_FIELDS["year"] = "year"
FACET_SIZE = 100_000  # more buckets than values: the counts are exact
ANALYZER = "ws"


def _schema() -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", tokenizer_name="raw")
    sb.add_text_field("codes", tokenizer_name="raw")
    for field in ("name", "pinyin", "body"):  # no positions: every query is single terms
        sb.add_text_field(field, tokenizer_name=ANALYZER, index_option="freq")
    sb.add_text_field("regions", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("industry", tokenizer_name="raw", index_option="basic")
    for field in FACET_FIELDS.values():  # filters (indexed) and facets (fast)
        sb.add_text_field(field, tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_integer_field("date", fast=True)
    sb.add_bytes_field("stored", stored=True)
    return sb.build()


SCHEMA = _schema()


def _analyzer() -> Any:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def _document(doc: dict[str, Any]) -> Any:
    industry = doc["industry"]
    fields: dict[str, Any] = {
        "id": doc["id"],
        "codes": [c for c in set(doc["codes"]) if c],
        "name": doc["name"],
        "pinyin": " ".join(doc["pinyin"]),
        "body": doc["body"],
        "regions": list(doc["regions"]),
        "industry": list(industry),
        "type": doc["type"],
        "date": doc["date"].toordinal() if doc["date"] else 0,
        "stored": json.dumps(
            [
                doc["id"],
                doc["type"],
                doc["uscc"],
                doc["title"],
                doc["text"],
                doc["level"],
                doc["region_code"],
                doc["date"].toordinal() if doc["date"] else 0,
            ],
            ensure_ascii=False,
        ).encode(),
    }
    for name, value in (
        ("region", doc["region_code"][:4]),
        ("section", industry[0] if industry else ""),
        ("level", doc["level"]),
        ("year", doc["year"]),
    ):
        if value:  # an empty value is no facet bucket (as the other backends)
            fields[name] = value
    return tantivy.Document(**fields)


def _hit(stored: bytes, score: float) -> Hit:
    return Hit.stored(json.loads(stored), score)


class WriterBusy(RuntimeError):
    """Another process held the index's writer lock for longer than WRITER_TIMEOUT."""


class TantivyBackend:
    """Tantivy with jieba tokens; one writer at a time across processes (a file lock)."""

    name = "tantivy"

    def __init__(self, directory: str | Path) -> None:
        self.directory = private_dir(Path(directory) / SUBDIR)
        self.lock_path = self.directory / LOCK_FILE
        self._thread_lock = threading.Lock()
        self._state = threading.Lock()
        self._index: Any = None
        self._pid = 0
        self._meta: tuple[int, int, int] | None = None
        if not self._current():
            with self._writing():
                if not self._current():
                    self._create()

    # the index ---------------------------------------------------------------------------

    def _current(self) -> bool:
        marker = self.directory / VERSION_FILE
        return (
            marker.exists()
            and marker.read_text().strip() == SCHEMA_VERSION
            and tantivy.Index.exists(str(self.directory))
        )

    def _create(self) -> None:
        """A new, empty index (called with the writer lock held)."""
        for child in self.directory.iterdir():
            if child.name == LOCK_FILE:
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        index = tantivy.Index(SCHEMA, path=str(self.directory), reuse=False)
        index.register_tokenizer(ANALYZER, _analyzer())
        writer = index.writer(UPSERT_HEAP, 1)
        writer.commit()
        writer.wait_merging_threads()
        (self.directory / VERSION_FILE).write_text(SCHEMA_VERSION + "\n")
        self._index = None

    def _meta_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.directory / "meta.json")
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _ix(self) -> Any:
        """This process's Index, reloaded when another writer has committed since."""
        with self._state:
            stamp = self._meta_stamp()
            if self._index is None or self._pid != os.getpid():
                index = tantivy.Index.open(str(self.directory))
                index.register_tokenizer(ANALYZER, _analyzer())
                index.config_reader(reload_policy="manual")
                self._index, self._pid, self._meta = index, os.getpid(), stamp
            elif stamp != self._meta:
                self._index.reload()
                self._meta = stamp
            return self._index

    def _searcher(self) -> Any:
        return self._ix().searcher()

    def close(self) -> None:
        with self._state:
            self._index = None

    # writing -----------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The cross-process writer lock (and this process's threads one at a time)."""
        deadline = time.monotonic() + WRITER_TIMEOUT
        if not self._thread_lock.acquire(timeout=WRITER_TIMEOUT):
            raise WriterBusy("索引写入繁忙 / the search index writer is busy in this process")
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise WriterBusy(
                                f"另一进程正在写入检索索引 / another process holds the search "
                                f"index writer lock ({self.lock_path}) for over "
                                f"{WRITER_TIMEOUT:.0f} s"
                            ) from None
                        time.sleep(0.05)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            self._thread_lock.release()

    def _write(self, heap: int, threads: int, fill: Any) -> None:
        """Open Tantivy's writer under the lock, ``fill(writer)``, commit; roll back on error.
        The writer is released (its merges finished) before the lock is."""
        with self._writing():
            index = self._ix()
            writer = index.writer(heap, threads)
            try:
                fill(writer)
            except BaseException:
                writer.rollback()
                writer.wait_merging_threads()
                raise
            writer.commit()
            writer.wait_merging_threads()
            with self._state:
                index.reload()
                self._meta = self._meta_stamp()

    def upsert(self, docs: list[dict[str, Any]], delete: list[str]) -> None:
        if not docs and not delete:
            return
        docs = list({d["id"]: d for d in docs}.values())  # an id twice: the last one wins

        def fill(writer: Any) -> None:
            for ident in [d["id"] for d in docs] + list(delete):
                writer.delete_documents_by_term("id", ident)
            for doc in docs:
                writer.add_document(_document(doc))

        self._write(UPSERT_HEAP, 1, fill)

    def bulk_load(self, chunks: Iterable[list[dict[str, Any]]]) -> None:
        """Everything replaced in one commit: searches see the old index until it commits."""

        def fill(writer: Any) -> None:
            writer.delete_all_documents()
            for docs in chunks:
                for doc in docs:
                    writer.add_document(_document(doc))

        self._write(BULK_HEAP, 0, fill)

    def clear(self) -> None:
        self._write(UPSERT_HEAP, 1, lambda writer: writer.delete_all_documents())

    # reading -----------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._searcher().num_docs)

    def ids(self) -> set[str]:
        searcher = self._searcher()
        found = searcher.search(tantivy.Query.all_query(), max(1, searcher.num_docs), count=False)
        return {_hit(searcher.doc(a)["stored"][0], 0.0).id for _s, a in found.hits}

    def _docs(self, searcher: Any, addresses: Iterable[Any], score: Any) -> list[Hit]:
        return [_hit(searcher.doc(a)["stored"][0], score(s)) for s, a in addresses]

    def lookup(self, code: str) -> list[Hit]:
        if not code:
            return []
        searcher = self._searcher()
        found = searcher.search(tantivy.Query.term_query(SCHEMA, "codes", code), 1000, count=False)
        addresses = sorted(found.hits, key=lambda h: (h[1].segment_ord, h[1].doc))
        return self._docs(searcher, addresses, lambda _s: EXACT_SCORE)

    def _text_query(self, q: Query) -> Any:
        Q, Occur = tantivy.Query, tantivy.Occur
        if q.pinyin:  # the typo fallback: names spelt alike
            return Q.fuzzy_term_query(
                SCHEMA, "pinyin", FUZZY_MARK + q.pinyin, distance=0, prefix=True
            )
        per_term = []
        for term in q.terms:
            term = term.lower()
            options = [
                Q.boost_query(Q.term_query(SCHEMA, field, term), boost)
                for field, boost in BOOSTS.items()
            ]
            if term.isascii() and term.isalpha() and len(term) >= 2:
                prefix = Q.fuzzy_term_query(SCHEMA, "pinyin", term, distance=0, prefix=True)
                options.append(Q.boost_query(prefix, PREFIX_BOOST))
            per_term.append((Occur.Must, Q.boolean_query([(Occur.Should, o) for o in options])))
        parts = []
        if per_term:
            parts.append((Occur.Should, Q.boolean_query(per_term)))
        if q.code:
            exact = Q.const_score_query(Q.term_query(SCHEMA, "codes", q.code), EXACT_BOOST)
            parts.append((Occur.Should, exact))
        return Q.boolean_query(parts) if parts else Q.empty_query()

    def _query(self, q: Query) -> Any:
        Q, Occur = tantivy.Query, tantivy.Occur
        filters = [
            (Occur.Must, Q.const_score_query(Q.term_query(SCHEMA, field, value), 0.0))
            for field, value in (
                ("type", q.type),
                ("regions", q.region),
                ("industry", q.industry),
                ("level", q.level),
                ("year", q.year),
            )
            if value
        ]
        main = self._text_query(q) if q.text else Q.all_query()
        if not filters:
            return main
        return Q.boolean_query([(Occur.Must, main), *filters])

    def search(self, q: Query) -> Results:
        """Exact code matches first, then Tantivy's bm25 order; the exact total from the
        same search; facets by terms aggregations over the same query."""
        searcher = self._searcher()
        query = self._query(q)
        kwargs: dict[str, Any] = {"count": True}
        if q.sort == "date":
            kwargs["order_by_field"] = "date"
        found = searcher.search(query, q.per_page, offset=(q.page - 1) * q.per_page, **kwargs)
        total = int(found.count or 0)
        page = page_shown(q, total)
        if page != q.page and total:  # past the end: the last page
            found = searcher.search(query, q.per_page, offset=(page - 1) * q.per_page, **kwargs)
        if q.sort == "date":
            hits = self._docs(searcher, found.hits, lambda _s: 0.0)
        elif q.text:
            hits = self._docs(
                searcher,
                found.hits,
                lambda s: EXACT_SCORE if s >= EXACT_BOOST else float(s),
            )
        else:
            hits = self._docs(searcher, found.hits, lambda _s: 0.0)
        facets = self._facets(searcher, query) if q.facets and total else {}
        if q.facets and not total:
            facets = {name: {} for name in FACETS}
        return Results(total, hits, facets, page)

    @staticmethod
    def _facets(searcher: Any, query: Any) -> dict[str, dict[str, int]]:
        aggs = {
            name: {"terms": {"field": field, "size": FACET_SIZE}}
            for name, field in FACET_FIELDS.items()
        }
        answer = searcher.aggregate(query, aggs)
        out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for name in FACETS:
            for bucket in answer.get(name, {}).get("buckets", []):
                if bucket["key"]:
                    out[name][str(bucket["key"])] = int(bucket["doc_count"])
        return out
