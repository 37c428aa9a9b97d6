"""The interface the four search backends implement (SQLite FTS5, the default; Tantivy;
Whoosh; PostgreSQL full-text search), the query they answer and the results they return."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

FACETS = ("type", "region", "industry", "level", "year")
MAX_PAGE = 100
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Query:
    """A search request, already cleaned and bounded."""

    text: str = ""
    terms: tuple[str, ...] = ()
    #: the text as an exact code (search.analysis.code_key): exact matches rank first
    code: str = ""
    #: the typo fallback: match names whose fuzzy pinyin starts with this (terms unused)
    pinyin: str = ""
    type: str = ""  # "" | enterprise | penalty
    region: str = ""  # a region-code prefix: 62, 6201 or 620102
    industry: str = ""  # C, C26, C261, C2611
    level: str = ""
    year: str = ""
    sort: str = "relevance"  # relevance | date
    page: int = 1
    per_page: int = 20
    facets: bool = True  # False: hits and total only


@dataclass
class Hit:
    id: str
    type: str
    uscc: str
    title: str
    text: str
    level: str
    region_code: str
    date: dt.date | None
    score: float

    @classmethod
    def stored(cls, values: Any, score: float) -> Hit:
        """A hit from the stored columns (id, type, uscc, title, text, level, region, the
        date as an ordinal or empty) as the embedded backends keep them."""
        ident, kind, uscc, title, text, level, region, date = values[:8]
        date = dt.date.fromordinal(date) if date else None
        return cls(ident, kind, uscc, title, text, level, region, date, score)


@dataclass
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1  # the page answered (see page_shown)


def page_shown(q: Query, total: int) -> int:
    """The page a query is answered with: a page past the end is the last page; 1 when
    nothing matched. Every backend pages this way."""
    return max(1, min(q.page, -(-total // q.per_page)))


class Backend(Protocol):
    """A search engine holding the documents of search.documents."""

    name: str

    def upsert(self, docs: list[dict[str, Any]], delete: list[str]) -> None:
        """Add or replace ``docs`` and remove ``delete`` ids, atomically."""

    def bulk_load(self, chunks: Iterable[list[dict[str, Any]]]) -> None:
        """Replace every document by those of ``chunks`` (a rebuild), in one transaction."""

    def clear(self) -> None:
        """Remove every document."""

    def search(self, query: Query) -> Results:
        """Hits for ``query`` (exact code matches first), the exact total, facet counts."""

    def lookup(self, code: str) -> list[Hit]:
        """The documents holding exact code ``code`` (a code_key), by a keyed read."""

    def count(self) -> int:
        """How many documents are indexed."""

    def ids(self) -> set[str]:
        """Every indexed document id (tests and consistency checks)."""
