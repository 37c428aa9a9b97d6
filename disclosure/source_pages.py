"""Regulator pages of the point-source ledger (污染源台账): the list per grid or region and
one source. Login required; each user sees only their grids' or region's sources."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from core.db import get_session
from credit.sources.listing import SourceFilter, list_sources, source_detail
from credit.sources.models import SOURCE_TYPE_NAMES
from disclosure.auth import current_user, login_required

bp = Blueprint("regsources", __name__, url_prefix="/regulator/sources")


@bp.get("/")
@login_required
def index() -> Any:
    """Sources of my grids or region, filtered by grid, region, type and text; paged by code."""
    user = current_user()
    assert user is not None
    args = request.args
    filters = SourceFilter(
        grid=args.get("grid", ""),
        region=args.get("region", ""),
        type=args.get("type", ""),
        q=args.get("q", ""),
        after=args.get("after", ""),
    )
    page = list_sources(get_session(), user, filters)
    return render_template("disclosure/sources/list.html", p=page, types=SOURCE_TYPE_NAMES)


@bp.get("/<code>")
@login_required
def detail(code: str) -> Any:
    """One source: where it is, its grid and the enterprise it belongs to."""
    user = current_user()
    assert user is not None
    data = source_detail(get_session(), user, code)
    return render_template("disclosure/sources/detail.html", d=data, types=SOURCE_TYPE_NAMES)
