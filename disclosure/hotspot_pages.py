"""The public hotspot page ``/monitoring/hotspots?city=CODE&month=YYYY-MM`` (热点网格): the
city's ranked grid cells as a server-side SVG map and a table (no JavaScript)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from markupsafe import Markup

from core.db import get_session
from core.i18n import page_lang
from core.messages import msg
from credit.monitoring.hotspot_map import hotspot_page, hotspot_svg

bp = Blueprint("hotspots", __name__)


@bp.get("/monitoring/hotspots")
def hotspots() -> Any:
    """A city's hotspot map and ranking for a month (or a day); without ``?month=`` the
    newest stored one; without ``?city=`` the form alone."""
    values = {
        key: request.args.get(key, "", type=str).strip()[:20] for key in ("city", "month", "day")
    }
    found = hotspot_page(get_session(), values["city"], values["month"], values["day"])
    name = found.city.name if found.city else ""
    title = (
        msg("%(city)s热点网格 %(period)s", city=name, period=found.period)
        if found.city and found.period
        else msg("%(city)s热点网格", city=name)
    )
    drawing = None
    if found.drawing is not None:
        svg = hotspot_svg(found.drawing, page_lang(), title)
        drawing = Markup(svg)  # noqa: S704 - hotspot_svg escapes every text it draws
    return render_template(
        "disclosure/hotspots.html", found=found, title=title, drawing=drawing, values=values
    )
