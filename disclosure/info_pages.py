"""Pages that explain the platform: the scoring rules (评价规则), help and accessibility."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

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
