"""Public pages: the home page listing enterprises."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from core.db import get_session
from credit.listing import EnterpriseFilter, list_enterprises
from credit.public import LEVEL_NAMES

bp = Blueprint("disclosure", __name__, template_folder="templates",
               static_folder="static", static_url_path="/static/disclosure")

LEVELS = tuple(LEVEL_NAMES)
PAGE_SIZE = 30


def _arg(name: str, limit: int = 100) -> str:
    return request.args.get(name, "", type=str).strip()[:limit]


@bp.get("/")
def home() -> Any:
    """Enterprises in USCC order, narrowed by name/USCC, region and level."""
    level = _arg("level")
    filters = EnterpriseFilter(q=_arg("q"), region=_arg("region", 6)
                               if _arg("region").isdigit() else "",
                               level=level if level in LEVELS else "")
    page = list_enterprises(get_session(), filters, after=_arg("after", 18), limit=PAGE_SIZE)
    return render_template("disclosure/home.html", page=page, filters=filters,
                           levels=LEVEL_NAMES)
