"""An embedded backend: a Whoosh index under the instance folder, fed pre-segmented text."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import formats, index, sorting, writing
from whoosh.analysis import LowercaseFilter, SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, Or, Prefix, Term
from whoosh.system import pack_uint

from core.config import private_dir
from core.speedups import patch_whoosh, whoosh_term_ids
from search.analysis import FUZZY_MARK
from search.backend import FACETS, Hit, Query, Results, page_shown

ANALYZER = SpaceSeparatedTokenizer() | LowercaseFilter()
_WORDS = re.compile(r"[^ \t\r\n]+")  # SpaceSeparatedTokenizer's tokens


def _word_counts(field: Any, value: Any, lowercase: bool) -> Any:
    """What Whoosh's Frequency format yields for space-separated words, minus its Token
    objects: (utf-8 word, frequency, weight, encoded frequency) for each distinct word."""
    if lowercase:
        value = value.lower()
    boost = field.format.field_boost
    return [
        (word.encode("utf-8"), n, n * boost, pack_uint(n))
        for word, n in Counter(_WORDS.findall(value)).items()
    ]


class SegmentedText(TEXT):
    """TEXT for jieba-segmented text: the same postings as ``TEXT(analyzer=ANALYZER,
    phrase=False)``, made several times faster. Pickled into the index: keep this name."""

    def index(self, value: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or self.format.__class__ is not formats.Frequency:
            return super().index(value, **kwargs)
        return _word_counts(self, value, True)


class SegmentedKeyword(KEYWORD):
    """KEYWORD (space-separated words) with the same fast indexing. Keep this name."""

    def __init__(self, lowercase: bool = False, **kwargs: Any) -> None:
        super().__init__(lowercase=lowercase, **kwargs)
        self.fast_lowercase = lowercase

    def index(self, value: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or self.format.__class__ is not formats.Frequency:
            return super().index(value, **kwargs)
        return _word_counts(self, value, self.fast_lowercase)


SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    type=ID(stored=True),
    uscc=ID(stored=True),
    title=STORED(),
    text=STORED(),
    region_code=ID(stored=True),
    codes=SegmentedKeyword(lowercase=True),
    pinyin=SegmentedKeyword(lowercase=True, field_boost=2.0),
    # no positions (phrase=False): every query is made of single terms
    name=SegmentedText(analyzer=ANALYZER, field_boost=3.0, phrase=False),
    body=SegmentedText(analyzer=ANALYZER, phrase=False),
    regions=SegmentedKeyword(),
    industry=SegmentedKeyword(),
    type_term=ID(),
    region=ID(sortable=True),
    section=ID(sortable=True),
    level=ID(stored=True, sortable=True),
    year=ID(sortable=True),
    date=NUMERIC(stored=True, sortable=True, bits=32),
)
WRITER_TIMEOUT = 30.0
TYPES = ("enterprise", "penalty")
FACET_FIELDS = {"region": "region", "industry": "section", "level": "level", "year": "year"}
#: a rebuild's writer: a large in-memory posting pool; SEARCH_BULK_PROCS (default: 2 when
#: there are 2 CPUs) > 1 adds Whoosh's own indexing sub-processes (one segment each)
BULK_LIMITMB = 512


# Whoosh's per-document length reads and posting-block reads: core.speedups (measured gain)
patch_whoosh()
_term_ids = whoosh_term_ids


def _match_ids(searcher: Any, q: Any) -> set[int]:
    """Docnums of a segment matching ``q`` (deletions not removed), by set operations."""
    reader = searcher.reader()
    if isinstance(q, Term):
        return _term_ids(reader, q.fieldname, q.text)
    if isinstance(q, Prefix):
        out: set[int] = set()
        for text in reader.expand_prefix(q.fieldname, q.text):
            out |= _term_ids(reader, q.fieldname, text.decode("utf-8"))
        return out
    if isinstance(q, Or):
        out = set()
        for sub in q.subqueries:
            out |= _match_ids(searcher, sub)
        return out
    if isinstance(q, And):
        sets = sorted((_match_ids(searcher, sub) for sub in q.subqueries), key=len)
        return sets[0].intersection(*sets[1:]) if sets else set()
    if isinstance(q, Every):
        return set(range(reader.doc_count_all()))
    return set(q.docs(searcher))


def _signature(schema: Any) -> dict[str, tuple[str, str]]:
    """What distinguishes one index layout from another (schemas do not compare equal
    once read back from disk)."""
    return {
        name: (type(f).__name__, type(f.format).__name__ if f.format else "")
        for name, f in schema.items()
    }


def _score(value: Any) -> float:
    """A hit's relevance (a date-sorted hit's "score" is its sort key: no relevance)."""
    return float(value) if isinstance(value, (int, float)) else 0.0


def _hit(stored: Any, score: float) -> Hit:
    """A hit from a document's stored fields (a dict, or a Whoosh Hit)."""
    return Hit(
        stored["id"],
        stored["type"],
        stored["uscc"],
        stored["title"],
        stored["text"],
        stored.get("level", ""),
        stored["region_code"],
        dt.date.fromordinal(stored["date"]) if stored.get("date") else None,
        score,
    )


def _fields(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "type": doc["type"],
        "type_term": doc["type"],
        "uscc": doc["uscc"],
        "title": doc["title"],
        "text": doc["text"],
        "region_code": doc["region_code"],
        "codes": " ".join(doc["codes"]),
        "pinyin": " ".join(doc["pinyin"]),
        "name": doc["name"],
        "body": doc["body"],
        "regions": " ".join(doc["regions"]),
        "industry": " ".join(doc["industry"]),
        "region": doc["region_code"][:4],
        "section": doc["industry"][0] if doc["industry"] else "",
        "level": doc["level"],
        "year": doc["year"],
        "date": doc["date"].toordinal() if doc["date"] else 0,
    }


class WhooshBackend:
    """Whoosh with jieba tokens; writers wait for each other instead of failing."""

    name = "whoosh"

    def __init__(self, directory: str | Path) -> None:
        self.directory = private_dir(directory)
        if index.exists_in(self.directory):
            self.ix = index.open_dir(self.directory)
        else:
            self.ix = index.create_in(self.directory, SCHEMA)
        self._local = threading.local()
        self._facet_cache: dict[str, dict[str, Any]] = {}
        self._facet_lock = threading.Lock()

    def _searcher(self) -> Any:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and searcher.up_to_date():
            return searcher
        if searcher is not None:  # reopen rather than refresh(): refresh can fail on Whoosh
            searcher.close()
        searcher = self._local.searcher = self.ix.searcher()
        return searcher

    def upsert(self, docs: list[dict[str, Any]], delete: list[str]) -> None:
        if not docs and not delete:
            return
        writer = self.ix.writer(timeout=WRITER_TIMEOUT, delay=0.05)
        try:
            for ident in delete:
                writer.delete_by_term("id", ident)
            for doc in docs:
                writer.update_document(**_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def bulk_load(self, chunks: Iterable[list[dict[str, Any]]]) -> None:
        """One writer for everything; the commit drops every older segment (CLEAR). An
        index written with another schema is recreated first."""
        if _signature(self.ix.schema) != _signature(SCHEMA):
            self.clear()
        procs = int(os.environ.get("SEARCH_BULK_PROCS", min(2, os.cpu_count() or 1)))
        extra: dict[str, Any] = {"procs": procs, "multisegment": True} if procs > 1 else {}
        writer = self.ix.writer(timeout=WRITER_TIMEOUT, delay=0.05, limitmb=BULK_LIMITMB, **extra)
        try:
            for docs in chunks:
                for doc in docs:
                    writer.add_document(**_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)

    def clear(self) -> None:
        self.close()
        self.ix = index.create_in(self.directory, SCHEMA)

    def close(self) -> None:
        """Close this thread's searcher (others close when their threads end)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self._local = threading.local()
        self._facet_cache: dict[str, dict[str, Any]] = {}
        self._facet_lock = threading.Lock()

    def count(self) -> int:
        return int(self._searcher().doc_count())

    def ids(self) -> set[str]:
        return {fields["id"] for fields in self._searcher().all_stored_fields()}

    def lookup(self, code: str) -> list[Hit]:
        searcher = self._searcher()
        return [
            _hit(f, 100.0)
            for f in (
                searcher.stored_fields(n) for n in sorted(searcher.document_numbers(codes=code))
            )
        ]

    def _query(self, q: Query) -> Any:
        if not q.text:
            return Every()
        if q.pinyin:  # the typo fallback: names spelt alike
            return Prefix("pinyin", FUZZY_MARK + q.pinyin)
        parts: list[Any] = [Term("codes", q.code or "\x00", boost=50.0)]
        per_term = []
        for term in q.terms:
            options = [Term("name", term), Term("body", term), Term("pinyin", term)]
            if term.isascii() and term.isalpha() and len(term) >= 2:
                options.append(Prefix("pinyin", term, boost=0.5))
            per_term.append(Or(options))
        if per_term:
            parts.append(And(per_term))
        return Or(parts)

    def _filter(self, q: Query) -> Any:
        terms = [
            Term(field, value)
            for field, value in (
                ("type_term", q.type),
                ("regions", q.region),
                ("industry", q.industry),
                ("level", q.level),
                ("year", q.year),
            )
            if value
        ]
        return And(terms) if terms else None

    def search(self, q: Query) -> Results:
        """Top hits from Whoosh's own collector (block-quality skipping for relevance);
        the exact total and the facet counts from the set of matching document numbers,
        computed a posting block at a time (see :func:`_match_ids`)."""
        searcher = self._searcher()
        query, filter_query = self._query(q), self._filter(q)
        total = 0
        allowed: set[int] | None = None  # global docnums passing the filters
        counts: dict[str, Counter[bytes]] = {name: Counter() for name in FACETS}
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            ids = _match_ids(sub, query)
            if filter_query is not None:
                passing = _match_ids(sub, filter_query)
                ids &= passing
                if allowed is None:
                    allowed = set()
                allowed.update(d + offset for d in passing)
            if reader.has_deletions():
                ids -= reader.deleted_docs_set
            total += len(ids)
            if q.facets and ids:
                for name, values in self._facet_values(reader).items():
                    counts[name].update(map(values.__getitem__, ids))
                for kind in TYPES:  # no type column: the type's posting list
                    if n := len(ids & _term_ids(reader, "type_term", kind)):
                        counts["type"][kind.encode()] += n
        pagenum = page_shown(q, total)
        hits: list[Hit] = []
        if total:
            kwargs: dict[str, Any] = {"limit": pagenum * q.per_page, "terms": False}
            if allowed is not None:
                kwargs["filter"] = allowed
            if q.sort == "date":
                kwargs["sortedby"] = [
                    sorting.FieldFacet("date", reverse=True),
                    sorting.FieldFacet("level"),
                ]
            results = searcher.search(query, **kwargs)
            start = (pagenum - 1) * q.per_page
            hits = [_hit(h, _score(h.score)) for h in results[start : start + q.per_page]]
        facets = (
            {name: {k.decode("utf-8"): n for k, n in counts[name].items() if k} for name in FACETS}
            if q.facets
            else {}
        )
        return Results(total, hits, facets, pagenum)

    def _facet_values(self, reader: Any) -> dict[str, Any]:
        """Facet column values (bytes) of every document of a segment, loaded once."""
        key = reader.segment().segment_id()
        cache = self._facet_cache
        values = cache.get(key)
        if values is None:
            values = {
                name: list(reader.column_reader(field, translate=False))
                for name, field in FACET_FIELDS.items()
            }
            with self._facet_lock:
                if len(cache) > 64:  # segments merged away: start afresh
                    cache.clear()
                cache[key] = values
        return values
