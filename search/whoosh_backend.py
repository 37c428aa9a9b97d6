"""The embedded backend: a Whoosh index under the instance folder, fed pre-segmented text."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index, sorting, writing
from whoosh.analysis import LowercaseFilter, SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, Or, Prefix, Term

from search.backend import FACETS, Hit, Query, Results

ANALYZER = SpaceSeparatedTokenizer() | LowercaseFilter()
SCHEMA = Schema(
    id=ID(stored=True, unique=True), type=ID(stored=True), uscc=ID(stored=True),
    title=STORED(), text=STORED(), region_code=ID(stored=True),
    codes=KEYWORD(lowercase=True), pinyin=KEYWORD(lowercase=True, field_boost=2.0),
    name=TEXT(analyzer=ANALYZER, field_boost=3.0), body=TEXT(analyzer=ANALYZER),
    regions=KEYWORD(), industry=KEYWORD(), type_term=ID(),
    region=ID(sortable=True), section=ID(sortable=True), level=ID(stored=True, sortable=True),
    year=ID(sortable=True), date=NUMERIC(stored=True, sortable=True, bits=32),
)
WRITER_TIMEOUT = 30.0
#: a rebuild's writer: a large in-memory posting pool; SEARCH_BULK_PROCS > 1 adds Whoosh's
#: own indexing sub-processes (one segment each)
BULK_LIMITMB = 512


def _fields(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"], "type": doc["type"], "type_term": doc["type"], "uscc": doc["uscc"],
        "title": doc["title"], "text": doc["text"], "region_code": doc["region_code"],
        "codes": " ".join(doc["codes"]), "pinyin": " ".join(doc["pinyin"]),
        "name": doc["name"], "body": doc["body"], "regions": " ".join(doc["regions"]),
        "industry": " ".join(doc["industry"]), "region": doc["region_code"][:4],
        "section": doc["industry"][0] if doc["industry"] else "", "level": doc["level"],
        "year": doc["year"], "date": doc["date"].toordinal() if doc["date"] else 0,
    }


class WhooshBackend:
    """Whoosh with jieba tokens; writers wait for each other instead of failing."""

    name = "whoosh"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if index.exists_in(self.directory):
            self.ix = index.open_dir(self.directory)
        else:
            self.ix = index.create_in(self.directory, SCHEMA)
        self._local = threading.local()

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
        """One writer for everything; the commit drops every older segment (CLEAR)."""
        procs = int(os.environ.get("SEARCH_BULK_PROCS", "1"))
        extra: dict[str, Any] = {"procs": procs, "multisegment": True} if procs > 1 else {}
        writer = self.ix.writer(timeout=WRITER_TIMEOUT, delay=0.05, limitmb=BULK_LIMITMB,
                                **extra)
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

    def count(self) -> int:
        return int(self._searcher().doc_count())

    def ids(self) -> set[str]:
        return {fields["id"] for fields in self._searcher().all_stored_fields()}

    def _query(self, q: Query) -> Any:
        if not q.text:
            return Every()
        parts: list[Any] = [Term("codes", q.text.lower(), boost=50.0)]
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
        terms = [Term(field, value) for field, value in (
            ("type_term", q.type), ("regions", q.region), ("industry", q.industry),
            ("level", q.level), ("year", q.year)) if value]
        return And(terms) if terms else None

    def search(self, q: Query) -> Results:
        searcher = self._searcher()
        facets = {"region": sorting.FieldFacet("region"),
                  "industry": sorting.FieldFacet("section"),
                  "level": sorting.FieldFacet("level"), "year": sorting.FieldFacet("year")}
        kwargs: dict[str, Any] = {"filter": self._filter(q), "groupedby": facets,
                                  "maptype": sorting.Count}
        if q.sort == "date":
            kwargs.update(sortedby=[sorting.FieldFacet("date", reverse=True),
                                    sorting.FieldFacet("level")])
        page = searcher.search_page(self._query(q), q.page, pagelen=q.per_page, **kwargs)
        results = page.results
        hits = [Hit(h["id"], h["type"], h["uscc"], h["title"], h["text"], h.get("level", ""),
                    h["region_code"], dt.date.fromordinal(h["date"]) if h.get("date") else None,
                    float(h.score or 0.0)) for h in page]
        counts = {name: {str(k): len(v) if isinstance(v, list) else int(v)
                         for k, v in results.groups(name).items() if k not in (None, "")}
                  for name in FACETS}
        return Results(len(results), hits, counts)
