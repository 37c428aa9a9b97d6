"""Pages that explain the platform: the scoring rules (评价规则), help and accessibility."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request

from credit.ratings.describe import describe, non_repairable_kinds, publication
from credit.ratings.levels import LEVEL_MEASURES
from credit.ratings.loader import active_rulebook
from credit.tipoffs.vocabulary import ACCEPT_DAYS, CLOSE_DAYS

bp = Blueprint("info", __name__)


@bp.get("/rules")
def rules() -> Any:
    """The active rulebook in prose and tables, generated from its data."""
    return render_template(
        "disclosure/rules.html",
        book=describe(active_rulebook()),
        publication=publication(),
        non_repairable=non_repairable_kinds(),
        measures=LEVEL_MEASURES,
    )


@bp.get("/help")
def help_page() -> Any:
    """How to report pollution, what happens next, how ratings work, reporters' privacy."""
    return render_template("disclosure/help.html", accept_days=ACCEPT_DAYS, close_days=CLOSE_DAYS)


@bp.get("/accessibility")
def accessibility() -> Any:
    """The accessibility statement (GB/T 37668-2019 / WCAG 2.1 AA)."""
    return render_template("disclosure/accessibility.html")


#: the cookie that keeps 长者模式 (large text, high contrast) on across pages
SENIOR_COOKIE = "senior"


def _local_path(value: str | None) -> str:
    """``value`` if it is a path on this site (not //host or a scheme), else the home page."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value[:2000]


@bp.get("/senior-mode")
def senior_mode() -> Any:
    """Switch 长者模式 on (``?on=1``) or off (``?on=0``) and go back to ``next``; a cookie
    keeps it, so it works without JavaScript and persists across pages."""
    response = redirect(_local_path(request.args.get("next")), 303)
    if request.args.get("on") == "1":
        response.set_cookie(
            SENIOR_COOKIE,
            "1",
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    else:
        response.delete_cookie(SENIOR_COOKIE, samesite="Lax", httponly=True)
    return response


def senior_context() -> dict[str, Any]:
    """``senior_mode`` for every page: is 长者模式 on, and the switch's link back here."""
    on = request.cookies.get(SENIOR_COOKIE) == "1"
    here = request.full_path.rstrip("?") if request.endpoint else "/"
    return {"senior_mode": on, "senior_next": here}
