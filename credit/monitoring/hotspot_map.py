"""The public hotspot page's data and its map: a city's stored ranking drawn as its grid cells
(server-side SVG, no JavaScript), each cell filled by whether it is a hotspot and labelled
with its rank, over the city's outline (``credit.maps.areas.region_area``).

The drawing reuses the maps package's projection and path simplification
(``credit.maps.geometry``); every cell has a ``<title>`` and the page lists the same cells in
a table, so the drawing is never the only way to read the ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.messages import in_language, msg
from core.reference import Region, region_path
from credit.grids.models import Grid
from credit.maps.areas import region_area
from credit.maps.geometry import BBox, fit, pad, polygons_bbox, polygons_of, polygons_path
from credit.monitoring.hotspot_store import find_ranking, known_city, stored_periods
from credit.monitoring.hotspots import parse_period

#: the share of the city's width or height the ranked cells must span for the map to show the
#: whole city with its outline (else it zooms in on the cells)
MIN_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class CellShape:
    """A ranked cell as drawn: its projected outline and where its rank is written."""

    code: str
    name: str
    rank: int
    hotspot: bool
    mean_pm25: float | None
    path: str
    x: float
    y: float
    #: the rank's font size: about half the cell's smaller side, readable on a phone
    size: float


@dataclass(frozen=True, slots=True)
class HotspotMap:
    """The drawing's size, the city outline (may be "") and the cells."""

    width: float
    height: float
    outline: str
    cells: tuple[CellShape, ...]


@dataclass(frozen=True, slots=True)
class HotspotPage:
    """What ``/monitoring/hotspots`` shows (``city`` None: the form alone)."""

    city: Region | None = None
    path: list[Region] = field(default_factory=list)
    period: str = ""
    #: the stored ranking's public form (None: not computed for the period)
    ranking: dict[str, Any] | None = None
    drawing: HotspotMap | None = None
    #: the periods with a stored ranking, newest first
    periods: list[str] = field(default_factory=list)


def _union(boxes: list[BBox]) -> BBox | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def hotspot_map(session: Session, city: Region, ranking: dict[str, Any]) -> HotspotMap | None:
    """The map of a stored ranking (None when no ranked cell has an outline)."""
    codes = [c["grid_code"] for c in ranking["cells"]]
    grids = {g.code: g for g in session.scalars(select(Grid).where(Grid.code.in_(codes)))}
    polygons = {code: polygons_of(g.geometry) for code, g in grids.items()}
    boxes = [b for p in polygons.values() if (b := polygons_bbox(p)) is not None]
    cells_box = _union(boxes)
    if cells_box is None:
        return None
    area = region_area(session, city)
    west, south, east, north = cells_box
    inside = False
    if area is not None and area.outline:
        aw, as_, ae, an = area.bbox
        inside = aw <= west and as_ <= south and east <= ae and north <= an
        # cells covering a corner of a large city are drawn zoomed in, without the outline
        inside = inside and max((east - west) / (ae - aw), (north - south) / (an - as_)) >= (
            MIN_SHARE
        )
    viewport = area.viewport if area is not None and inside else fit(pad(cells_box, 0.05))
    shapes = []
    for cell in ranking["cells"]:
        parts = polygons.get(cell["grid_code"])
        box = polygons_bbox(parts) if parts else None
        if not parts or box is None:
            continue
        x, y = viewport.project((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        x0, y0 = viewport.project(box[0], box[3])
        x1, y1 = viewport.project(box[2], box[1])
        size = min(56.0, max(12.0, 0.45 * min(x1 - x0, y1 - y0)))
        shapes.append(
            CellShape(
                cell["grid_code"],
                cell["grid_name"],
                cell["rank"],
                cell["hotspot"],
                cell["mean_pm25"],
                polygons_path(parts, viewport),
                x,
                y,
                size,
            )
        )
    outline = area.outline if area is not None and inside else ""
    return HotspotMap(viewport.width, viewport.height, outline, tuple(shapes))


def hotspot_page(session: Session, city_code: str, month: str = "", day: str = "") -> HotspotPage:
    """The page of a city's hotspots for a month (or a day); without a month the newest
    stored one. NotFound for an unknown city, BadRequest for a malformed period."""
    if not (city_code or "").strip():
        return HotspotPage()
    city = known_city(session, city_code)
    periods = stored_periods(session, city.code)
    month, day = (month or "").strip(), (day or "").strip()
    if not month and not day:
        if not periods:
            return HotspotPage(city, region_path(session, city.code), periods=periods)
        label = periods[0]
        month, day = (label, "") if len(label) == 7 else (label[:7], label)
    period = parse_period(month, day)
    try:
        ranking: dict[str, Any] | None = find_ranking(session, city.code, period)
    except NotFound:  # not computed yet: the page says so
        ranking = None
    drawing = hotspot_map(session, city, ranking) if ranking else None
    return HotspotPage(
        city, region_path(session, city.code), period.label, ranking, drawing, periods
    )


def hotspot_svg(drawing: HotspotMap, lang: str, title: object) -> str:
    """The SVG of ``drawing`` in ``lang`` (every text escaped)."""

    def t(text: object) -> str:
        return escape(in_language(text, lang))

    hot = sum(c.hotspot for c in drawing.cells)
    desc = msg(
        "共 %(n)s 个网格，其中热点 %(hot)s 个；下方表格逐一列出。", n=len(drawing.cells), hot=hot
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {drawing.width:.0f} '
        f'{drawing.height:.0f}" role="img" aria-labelledby="hs-title hs-desc" '
        f'class="map-svg hotspot-map" preserveAspectRatio="xMidYMid meet">',
        f'<title id="hs-title">{t(title)}</title><desc id="hs-desc">{t(desc)}</desc>',
        f'<rect class="map-ground" width="{drawing.width:.0f}" height="{drawing.height:.0f}"/>',
    ]
    if drawing.outline:
        parts.append(f'<path class="map-outline" fill-rule="evenodd" d="{drawing.outline}"/>')
    for cell in drawing.cells:
        label = msg("第 %(rank)s 名：%(name)s", rank=cell.rank, name=cell.name)
        value = "" if cell.mean_pm25 is None else f" PM2.5 {cell.mean_pm25:.1f} µg/m³"
        css = "hs-cell hs-hot" if cell.hotspot else "hs-cell"
        parts.append(
            f'<path class="{css}" fill-rule="evenodd" d="{cell.path}">'
            f"<title>{t(label)}{escape(value)}</title></path>"
        )
    for cell in drawing.cells:
        css = "hs-rank hs-rank-hot" if cell.hotspot else "hs-rank"
        parts.append(
            f'<text x="{cell.x:.1f}" y="{cell.y:.1f}" font-size="{cell.size:.0f}" class="{css}" '
            'aria-hidden="true">'
            f"{cell.rank}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
