"""Search as a service: bounded, safe queries in; hits with escaped highlights and facets out."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import select

from core.db import get_session
from core.reference import Industry, Region
from credit.ratings.levels import LEVELS as RATED_LEVELS
from credit.ratings.levels import UNRATED
from credit.records.snapshots import enterprise_snapshots
from search.analysis import MAX_QUERY, clean, code_key, fuzzy_key, iter_query_terms, spelt_like
from search.backend import MAX_PAGE, MAX_PER_PAGE, Backend, Query, Results

TYPES = ("enterprise", "penalty")
#: the levels a search can filter by (``unrated``: no rating yet)
LEVELS = (*RATED_LEVELS, UNRATED)
SNIPPET = 80
#: a query with at most this many hits is also tried in pinyin (the typo fallback)
FEW = 2
#: filters that keep an exact code from redirecting (the type filter narrows the lookup)
FILTERS = ("region", "industry", "level", "year")


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
        code=code_key(text),
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
    return results, _shape(results, query.terms)


def _shape(results: Results, terms: tuple[str, ...]) -> list[dict[str, Any]]:
    hits = []
    for hit in results.hits:
        item = asdict(hit)
        item["snippet"] = str(highlight(hit.text, terms))
        item["title_html"] = str(highlight(hit.title, terms, width=200))
        item.pop("text")
        hits.append(item)
    return hits


def exact_target(query: Query) -> tuple[str, str] | None:
    """Where an exact code sends the searcher: ("enterprise", USCC) for a USCC or a permit
    number, ("penalty", id) for a decision number (however it is bracketed); None when the
    text is no single document's code, or filters other than the type are applied."""
    if not query.code or query.page > 1 or any(getattr(query, f) for f in FILTERS):
        return None
    found = backend().lookup(query.code)
    enterprises = [h for h in found if h.type == "enterprise"]
    penalties = [h for h in found if h.type == "penalty"]
    if len(enterprises) == 1 and query.type in ("", "enterprise"):
        return "enterprise", enterprises[0].uscc
    if not enterprises and len(penalties) == 1 and query.type in ("", "penalty"):
        return "penalty", penalties[0].id.split(":", 1)[1]
    return None


@dataclass
class SearchPage:
    """What the search page shows (or, with ``redirect``, where it sends the searcher)."""

    query: Query
    results: Results = field(default_factory=lambda: Results(0, []))
    hits: list[dict[str, Any]] = field(default_factory=list)
    #: ("enterprise", uscc) or ("penalty", id): an exact code's page
    redirect: tuple[str, str] | None = None
    #: "兰州" for 兰洲 or lanzou: a spelling that finds more
    suggestion: str | None = None
    #: the hits are those of the pinyin fallback (the query itself found nothing)
    fallback: bool = False
    #: readable facet values: {"region": {"6201": "兰州市"}, "industry": {"C": "制造业"}}
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def _region_names(prefixes: set[str]) -> dict[str, str]:
    """Names of region-code prefixes (62 → 甘肃省, 6201 → 兰州市, 620102 → 城关区); a
    municipality's districts (1101) are named by the municipality (北京市)."""
    prefixes = {p for p in prefixes if p}
    wanted = {p.ljust(6, "0") for p in prefixes} | {p[:2] + "0000" for p in prefixes}
    if not wanted:
        return {}
    rows = get_session().execute(select(Region.code, Region.name).where(Region.code.in_(wanted)))
    found = {code: name for code, name in rows}
    out = {}
    for prefix in prefixes:
        name = found.get(prefix.ljust(6, "0")) or found.get(prefix[:2] + "0000")
        if name:
            out[prefix] = name
    return out


def _industry_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    stmt = select(Industry.code, Industry.name).where(Industry.code.in_(codes))
    rows = get_session().execute(stmt)
    return {code: name for code, name in rows}


def _enrich(hits: list[dict[str, Any]], cities: dict[str, str]) -> None:
    """Each enterprise hit's USCC is there already; add its score, district and city."""
    usccs = [h["uscc"] for h in hits if h["type"] == "enterprise"]
    snaps = enterprise_snapshots(get_session(), usccs) if usccs else {}
    for hit in hits:
        snap = snaps.get(hit["uscc"]) if hit["type"] == "enterprise" else None
        hit["score_value"] = snap["score"] if snap and snap.get("level") else None
        hit["vetoed"] = bool(snap and snap.get("vetoed"))
        hit["district"] = snap["region_name"] if snap else None
        city = cities.get(hit["region_code"][:4])
        hit["city"] = city if city != hit["district"] else None


def search_page(query: Query) -> SearchPage:
    """The search page for ``query``: an exact code's redirect, or hits (with the pinyin
    fallback and its "did you mean"), readable facet values and each hit's city and score."""
    target = exact_target(query)
    if target is not None:
        return SearchPage(query, redirect=target)
    page = SearchPage(query)
    page.results = backend().search(query)
    terms = query.terms
    if query.text and page.results.total <= FEW:
        key = fuzzy_key(query.text)
        if len(key) >= 2:
            other = backend().search(replace(query, pinyin=key, code=""))
            if other.total > page.results.total and other.hits:
                spellings = (spelt_like(h.title, key) for h in other.hits)
                page.suggestion = next((s for s in spellings if s and s != query.text), None)
                if page.results.total == 0:
                    page.results, page.fallback = other, True
                    terms = (page.suggestion,) if page.suggestion else ()
    page.hits = _shape(page.results, terms)
    facets = page.results.facets
    prefixes = set(facets.get("region", {})) | {h["region_code"][:4] for h in page.hits}
    if query.region:
        prefixes.add(query.region)
    regions = _region_names(prefixes)
    _enrich(page.hits, regions)
    industries = set(facets.get("industry", {})) | ({query.industry} if query.industry else set())
    page.labels = {"region": regions, "industry": _industry_names(industries)}
    return page
