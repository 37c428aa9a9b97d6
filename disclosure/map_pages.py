"""Map pages: the public ``/map?region=CODE`` and the regulators' ``/regulator/map?grid=CODE``
(server-side SVG with the same symbols listed in tables; no JavaScript)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup, escape

from core.db import get_session
from core.i18n import page_lang, zh
from core.messages import in_language, msg
from credit.maps.composing import RegionMap, grid_map, map_summary, region_map
from credit.maps.layers import MARKS, Layer
from credit.maps.svg import map_svg, mark_icon
from disclosure.auth import current_user, login_required

bp = Blueprint("maps", __name__)


#: the last drawing and rows of each public map and language, reused while the service
#: returns the very same (cached) area and layers: a district's 2,000 symbols are then drawn
#: once per data change, not once per request
_rendered: dict[tuple[str, str], tuple[Any, Any, Markup | None, dict[str, Markup]]] = {}
MAX_RENDERED = 32


def _same(kept: Any, layers: list[Layer]) -> bool:
    """True if ``layers`` are the very (cached) layer objects the kept rendering drew."""
    return len(kept) == len(layers) and all(a is b for a, b in zip(kept, layers, strict=True))


def _render(found: Any, title: object) -> tuple[Markup | None, dict[str, Markup]]:
    """The map's SVG (None without an area) and each layer's table rows."""
    key = (str(found.area.code if found.area else ""), page_lang())
    kept = _rendered.get(key)
    if kept is not None and kept[0] is found.area and _same(kept[1], found.layers):
        return kept[2], kept[3]
    drawing = None
    if found.area is not None:
        summary = map_summary(found.layers)
        svg = map_svg(found.area, found.layers, page_lang(), title, summary, "map")
        drawing = Markup(svg)  # noqa: S704 - map_svg escapes every text it draws
    rows = _rows(found.layers)
    if isinstance(found, RegionMap):  # a regulator's map is drawn afresh each time
        if len(_rendered) >= MAX_RENDERED:
            _rendered.clear()
        _rendered[key] = (found.area, tuple(found.layers), drawing, rows)
    return drawing, rows


def _links() -> dict[str, str]:
    """Row links by kind: the page's URL with the key at the end (one url_for per page)."""
    return {
        "enterprise": url_for("credit_pages.enterprise", uscc="KEY")[: -len("KEY")],
        "tipoff": url_for("regtipoffs.detail", tipoff_id=0)[:-1],
        "case": url_for("regcases.detail", code="KEY")[: -len("KEY")],
        "source": url_for("regsources.detail", code="KEY")[: -len("KEY")],
    }


def _icons() -> dict[str, Markup]:
    lang = page_lang()
    return {key: Markup(mark_icon(key, lang)) for key in MARKS}  # noqa: S704 - generated


def _rows(layers: list[Layer]) -> dict[str, Markup]:
    """Each layer's table rows, one per symbol (built here, not in the template: a district's
    2,000 rows through Jinja's per-row calls cost more than the rest of the page). Each row's
    mark is drawn by the stylesheet from its ``data-mark``, not repeated as an SVG per row."""
    lang, links = page_lang(), _links()
    texts: dict[Any, str] = {}  # each cell value translated and escaped once

    def text(value: Any) -> str:
        found = texts.get(value)
        if found is None:
            found = texts[value] = str(escape(in_language(value, lang)))
        return found

    out = {}
    for layer in layers:
        kept = layer.drawn.get(("rows", lang))
        if kept is not None:  # a cached layer's rows, built once per language
            out[layer.key] = kept
            continue
        labels = [text(c) for c in layer.columns[1:]]
        rows = []
        for s in layer.symbols:
            name = str(escape(zh(s.name, lang)))
            if s.ref and s.ref[0] in links:
                name = f'<a href="{links[s.ref[0]]}{escape(s.ref[1])}">{name}</a>'
            cells = "".join(
                f'<td data-label="{label}">{text(cell)}</td>'
                for label, cell in zip(labels, s.cells, strict=True)
            )
            rows.append(f'<tr data-mark="{s.mark}"><th scope="row">{name}</th>{cells}</tr>')
        out[layer.key] = Markup("".join(rows))  # noqa: S704 - every value above is escaped
        layer.drawn[("rows", lang)] = out[layer.key]
    return out


@bp.get("/map")
def region() -> Any:
    """A region's map: its outline, enterprises by credit level and recent public tip-offs,
    with the same points listed; without ``?region=`` the region picker alone."""
    code = request.args.get("region", "", type=str)
    found = region_map(get_session(), code)
    name = found.path and "".join(r.name for r in found.path)
    title = msg("%(name)s地图", name=name) if name else msg("地图")
    drawing, rows = _render(found, title)
    return render_template(
        "disclosure/map.html",
        found=found,
        title=title,
        drawing=drawing,
        icons=_icons(),
        rows=rows,
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
    title = msg("%(name)s地图", name=found.grid.name) if found.grid else msg("网格地图")
    drawing, rows = _render(found, title)
    return render_template(
        "disclosure/regulator/map.html",
        found=found,
        title=title,
        drawing=drawing,
        icons=_icons(),
        rows=rows,
        marks=MARKS,
    )
