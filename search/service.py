"""Search as a service: bounded, safe queries in; hits with escaped highlights and facets out."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from flask import current_app
from markupsafe import Markup, escape

from credit.ratings.levels import LEVELS as RATED_LEVELS
from credit.ratings.levels import UNRATED
from search.analysis import MAX_QUERY, clean, iter_query_terms
from search.backend import MAX_PAGE, MAX_PER_PAGE, Backend, Query, Results

TYPES = ("enterprise", "penalty")
#: the levels a search can filter by (``unrated``: no rating yet)
LEVELS = (*RATED_LEVELS, UNRATED)
SNIPPET = 80


def backend() -> Backend:
    """The app's search backend (created by search.init_app)."""
    return current_app.extensions["envcredit.search"]


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def make_query(args: Any) -> Query:
    """Build a Query from request-like args; anything unusable is dropped, never an error."""
    text = clean(args.get("q"), MAX_QUERY)
    region = re.sub(r"[^0-9]", "", str(args.get("region") or ""))[:6]
    if len(region) % 2:
        region = region[:-1]
    while len(region) > 2 and region.endswith("00"):  # 620100 (a city) → 6201; 440310 stays
        region = region[:-2]
    industry = str(args.get("industry") or "").strip().upper()[:5]
    if not re.fullmatch(r"[A-T](\d{2,4})?", industry):
        industry = ""
    year = str(args.get("year") or "").strip()
    return Query(
        text=text,
        terms=tuple(list(iter_query_terms(text))[:16]),
        type=t if (t := str(args.get("type") or "")) in TYPES else "",
        region=region if len(region) in (2, 4, 6) else "",
        industry=industry,
        level=lv if (lv := str(args.get("level") or "")) in LEVELS else "",
        year=year if re.fullmatch(r"(19|20)\d\d", year) else "",
        sort="date" if args.get("sort") == "date" else "relevance",
        page=_int(args.get("page"), 1, 1, MAX_PAGE),
        per_page=_int(args.get("per_page"), 20, 1, MAX_PER_PAGE),
    )


def highlight(text: str, terms: tuple[str, ...], width: int = SNIPPET) -> Markup:
    """An HTML-escaped snippet around the first match, matches wrapped in <mark>."""
    if not text:
        return Markup("")
    words = sorted({t for t in terms if len(t) > 1 or not t.isascii()}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - width // 3) if first else 0
    piece = text[start : start + width]
    parts: list[str] = ["…" if start else ""]
    cursor = 0
    for match in pattern.finditer(piece) if pattern else ():
        parts.append(str(escape(piece[cursor : match.start()])))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        cursor = match.end()
    parts.append(str(escape(piece[cursor:])))
    parts.append("…" if start + width < len(text) else "")
    return Markup("".join(parts))  # noqa: S704 - every piece of user text is escaped above


def run_search(query: Query) -> tuple[Results, list[dict[str, Any]]]:
    """Search and shape hits for pages and the API (snippets are safe HTML)."""
    results = backend().search(query)
    hits = []
    for hit in results.hits:
        item = asdict(hit)
        item["snippet"] = str(highlight(hit.text, query.terms))
        item["title_html"] = str(highlight(hit.title, query.terms, width=200))
        item.pop("text")
        hits.append(item)
    return results, hits
