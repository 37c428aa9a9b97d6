"""Map pages: the public ``/map?region=CODE`` and the regulators' ``/regulator/map?grid=CODE``
(server-side SVG with the same symbols listed in tables; no JavaScript)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup

from core.db import get_session
from core.i18n import page_lang
from core.messages import msg
from credit.maps.composing import grid_map, map_summary, region_map
from credit.maps.layers import MARKS
from credit.maps.svg import map_svg, mark_icon
from disclosure.auth import current_user, login_required

bp = Blueprint("maps", __name__)


def _drawing(found: Any, title: object) -> Markup | None:
    if found.area is None:
        return None
    svg = map_svg(found.area, found.layers, page_lang(), title, map_summary(found.layers), "map")
    return Markup(svg)  # noqa: S704 - map_svg escapes every text it draws


def _links() -> dict[str, str]:
    """Row links by kind: the page's URL with the key at the end (one url_for per page)."""
    return {
        "enterprise": url_for("credit_pages.enterprise", uscc="KEY")[: -len("KEY")],
        "tipoff": url_for("regtipoffs.detail", tipoff_id=0)[:-1],
    }


def _icons() -> dict[str, Markup]:
    lang = page_lang()
    return {key: Markup(mark_icon(key, lang)) for key in MARKS}  # noqa: S704 - generated


@bp.get("/map")
def region() -> Any:
    """A region's map: its outline, enterprises by credit level and recent public tip-offs,
    with the same points listed; without ``?region=`` the region picker alone."""
    code = request.args.get("region", "", type=str)
    found = region_map(get_session(), code)
    name = found.path and "".join(r.name for r in found.path)
    title = msg("%(name)s地图", name=name) if name else msg("地图")
    return render_template(
        "disclosure/map.html",
        found=found,
        title=title,
        drawing=_drawing(found, title),
        icons=_icons(),
        links=_links(),
        marks=MARKS,
        code=code.strip()[:20],
    )


@bp.get("/regulator/map")
@login_required
def grid() -> Any:
    """A grid's map for regulators: its outline and sub-grids, enterprises by level and the
    open tip-offs by class and age; without ``?grid=`` the grids of the regulator's region."""
    user = current_user()
    assert user is not None
    found = grid_map(get_session(), user, request.args.get("grid", "", type=str))
    title = msg("网格 %(name)s 地图", name=found.grid.name) if found.grid else msg("网格地图")
    return render_template(
        "disclosure/regulator/map.html",
        found=found,
        title=title,
        drawing=_drawing(found, title),
        icons=_icons(),
        links=_links(),
        marks=MARKS,
    )
