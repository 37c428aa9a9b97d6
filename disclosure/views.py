"""Public pages: the search page (home), with facets, and browsing enterprises by region."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from core.db import get_session
from credit.ratings.levels import LEVEL_NAMES
from credit.records.listing import region_page
from search.service import make_query, search_page

bp = Blueprint(
    "disclosure",
    __name__,
    template_folder="templates",
    static_folder="static/disclosure",
    static_url_path="/static/disclosure",
)

#: any of these makes the home page a search (``region`` alone browses by region)
SEARCH_KEYS = ("q", "type", "industry", "level", "year", "sort", "page")
#: the filters a search page shows as removable chips
FILTER_KEYS = ("type", "region", "industry", "level", "year")
PAGE_SIZE = 30


@bp.get("/")
def home() -> Any:
    """Search enterprises and penalty notices (an exact code goes straight to its page);
    without a query, browse enterprises by region (``?region=CODE``)."""
    if any(request.args.get(k) for k in SEARCH_KEYS):
        page = search_page(make_query(request.args))
        if page.redirect is not None:
            kind, key = page.redirect
            if kind == "enterprise":
                return redirect(url_for("credit_pages.enterprise", uscc=key), 302)
            return redirect(url_for("credit_pages.penalty", penalty_id=int(key)), 302)
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        return render_template(
            "disclosure/search.html",
            page=page,
            query=page.query,
            results=page.results,
            hits=page.hits,
            levels=LEVEL_NAMES,
            args=request.args,
            kept=args,
            filter_keys=[k for k in FILTER_KEYS if getattr(page.query, k)],
        )
    region = re.sub(r"[^0-9]", "", request.args.get("region", "", type=str))[:6].ljust(6, "0")
    after = request.args.get("after", "", type=str).strip()[:18]
    found = region_page(
        get_session(), "" if region == "000000" else region, after=after, limit=PAGE_SIZE
    )
    return render_template(
        "disclosure/home.html", browse=found.browse, page=found.enterprises, levels=LEVEL_NAMES
    )
