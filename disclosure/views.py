"""Public pages: the search page (home), with facets, and the plain enterprise list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from core.db import get_session
from credit.ratings.levels import LEVEL_NAMES
from credit.records.listing import EnterpriseFilter, list_enterprises
from search.service import make_query, run_search

bp = Blueprint(
    "disclosure",
    __name__,
    template_folder="templates",
    static_folder="static/disclosure",
    static_url_path="/static/disclosure",
)

SEARCH_KEYS = ("q", "type", "region", "industry", "level", "year", "sort", "page")
PAGE_SIZE = 30


@bp.get("/")
def home() -> Any:
    """Search enterprises and penalty notices; without a query, list enterprises."""
    if any(request.args.get(k) for k in SEARCH_KEYS):
        query = make_query(request.args)
        results, hits = run_search(query)
        return render_template(
            "disclosure/search.html",
            query=query,
            results=results,
            hits=hits,
            levels=LEVEL_NAMES,
            args=request.args,
        )
    after = request.args.get("after", "", type=str).strip()[:18]
    page = list_enterprises(get_session(), EnterpriseFilter(), after=after, limit=PAGE_SIZE)
    return render_template("disclosure/home.html", page=page, levels=LEVEL_NAMES)
