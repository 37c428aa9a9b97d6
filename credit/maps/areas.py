"""What a map shows the area of: a region (GB/T 2260 code) or a grid, with its outline, the
grids drawn inside it and the viewport, projected and simplified once and cached.

A region's outline comes from the administrative boundaries (``credit.places.boundaries``)
when they are installed, else from its first-level grids, else from the box around its
enterprises' coordinates. The cache key holds what the outline was drawn from (the grids'
count and last change), so an imported or edited grid is drawn anew on the next request.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.reference import Region, region_path, region_prefix
from credit.grids.models import Grid
from credit.maps.geometry import (
    BBox,
    Polygon,
    Viewport,
    contains,
    fit,
    pad,
    polygons_bbox,
    polygons_of,
    polygons_path,
)
from credit.records.models import Enterprise

#: what an outline was drawn from
OUTLINE_SOURCES = ("boundary", "grids", "grid", "points")
CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class GridShape:
    """A grid drawn on a map: its code, name and projected outline."""

    code: str
    name: str
    level: int
    path: str


@dataclass(frozen=True, slots=True)
class MapArea:
    """The area of one map, projected."""

    kind: str  # "region" | "grid"
    code: str
    #: the area's name (region names with their parents: 甘肃省兰州市城关区)
    name: str
    region_code: str
    #: one of OUTLINE_SOURCES
    source: str
    viewport: Viewport
    #: the outline as one SVG path ("" when only the box of the points is known)
    outline: str
    grids: tuple[GridShape, ...]
    #: the longitude/latitude box the viewport shows (symbols outside it are not drawn)
    bbox: BBox
    #: the outline in longitude/latitude (grid maps select their points with it)
    polygons: tuple[Polygon, ...] = field(default=(), repr=False)

    def covers(self, lon: float, lat: float) -> bool:
        """True if (lon, lat) belongs on this map: inside a grid's outline, or inside the
        region's box (a point just over a county's border is shown where it is)."""
        if self.kind == "grid":
            return contains(self.polygons, lon, lat)
        west, south, east, north = self.bbox
        return west <= lon <= east and south <= lat <= north


class BoundedCache:
    """A thread-safe dict of at most ``size`` entries (emptied when full: entries are cheap to
    rebuild and keys carry what they were built from, so nothing is ever stale). Sizes bound
    a worker's memory: a district's layers or drawing weigh about a megabyte."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def get_or_build(self, key: Any, build: Callable[[], Any]) -> Any:
        found = self._items.get(key)
        if found is not None:
            return found
        value = build()
        if value is not None:
            with self._lock:
                if len(self._items) >= self.size:
                    self._items.clear()
                self._items[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_areas = BoundedCache(256)
#: whether a region code has a boundary, by code (a few thousand booleans at most)
_has_boundary: dict[str, bool] = {}
#: every cache of the maps package (``clear_cache`` empties them all)
CACHES: list[Any] = [_areas, _has_boundary]


def _cached(key: tuple[Any, ...], build: Callable[[], MapArea | None]) -> MapArea | None:
    found: MapArea | None = _areas.get_or_build(key, build)
    return found


def clear_cache() -> None:
    """Forget every projected outline and cached layer (tests; a boundary data update)."""
    for cache in CACHES:
        cache.clear()


def boundaries_module() -> Any:
    """``credit.places.boundaries``, or None while that package is not installed."""
    try:
        return importlib.import_module("credit.places.boundaries")
    except ImportError:
        return None


def has_boundary(code: str) -> bool:
    """Whether the boundary data has an outline for region ``code`` (its box: no geometry is
    read to answer; answers are kept, as the data is static)."""
    found = _has_boundary.get(code)
    if found is None:
        module = boundaries_module()
        found = _has_boundary[code] = bool(module and module.region_bbox(code) is not None)
    return found


def boundary_polygons(code: str) -> list[Polygon]:
    """The region's administrative boundary ([] without boundary data for the code); read
    when an outline is projected, not kept (the projected path is)."""
    module = boundaries_module()
    return polygons_of(module.region_polygon(code)) if module else []


def _grid_shapes(grids: list[Grid], viewport: Viewport) -> tuple[GridShape, ...]:
    shapes = []
    for grid in grids:
        path = polygons_path(polygons_of(grid.geometry), viewport)
        if path:
            shapes.append(GridShape(grid.code, grid.name, grid.level, path))
    return tuple(shapes)


def _stamp(session: Session, *conditions: Any) -> tuple[Any, ...]:
    count, changed = session.execute(
        select(func.count(Grid.id), func.max(Grid.updated_at)).where(*conditions)
    ).one()
    return count, changed


def _points_bbox(session: Session, prefix: str) -> BBox | None:
    row = session.execute(
        select(
            func.min(Enterprise.longitude),
            func.min(Enterprise.latitude),
            func.max(Enterprise.longitude),
            func.max(Enterprise.latitude),
        ).where(Enterprise.region_code.startswith(prefix), Enterprise.latitude.is_not(None))
    ).one()
    if row[0] is None:
        return None
    west, south, east, north = (float(v) for v in row)
    return west, south, east, north


def region_area(session: Session, region: Region) -> MapArea | None:
    """The map area of ``region``, or None when nothing locates it (no boundary, no grids,
    no enterprise with coordinates)."""
    prefix = region_prefix(region.code)
    top = (
        (Grid.region_code == region.code)
        if region.level == 3
        else Grid.region_code.startswith(prefix)
    )
    grid_where = (top, Grid.level == 1)
    stamp = _stamp(session, *grid_where)
    name = "".join(r.name for r in region_path(session, region.code))
    bounded = has_boundary(region.code)
    points = None if bounded or stamp[0] else _points_bbox(session, prefix)
    key = ("region", region.code, stamp, bounded, points)

    def build() -> MapArea | None:
        polygons = boundary_polygons(region.code) if bounded else []
        grids = list(session.scalars(select(Grid).where(*grid_where).order_by(Grid.code)))
        source = "boundary" if polygons else "grids" if grids else "points"
        outline = polygons or [p for g in grids for p in polygons_of(g.geometry)]
        bbox = polygons_bbox(outline) if outline else points
        if bbox is None:
            return None
        bbox = pad(bbox, 0.03 if outline else 0.08)
        viewport = fit(bbox)
        return MapArea(
            kind="region",
            code=region.code,
            name=name,
            region_code=region.code,
            source=source,
            viewport=viewport,
            outline=polygons_path(polygons, viewport) if polygons else "",
            grids=_grid_shapes(grids, viewport),
            bbox=bbox,
        )

    return _cached(key, build)


def grid_area(session: Session, grid: Grid) -> MapArea | None:
    """The map area of ``grid``: its outline with its child grids; None for a grid whose
    geometry holds no polygon."""
    child_where = (Grid.parent_id == grid.id,)
    key = ("grid", grid.code, grid.updated_at, _stamp(session, *child_where))

    def build() -> MapArea | None:
        polygons = polygons_of(grid.geometry)
        bbox = polygons_bbox(polygons)
        if bbox is None:
            return None
        bbox = pad(bbox, 0.03)
        viewport = fit(bbox)
        children = list(session.scalars(select(Grid).where(*child_where).order_by(Grid.code)))
        return MapArea(
            kind="grid",
            code=grid.code,
            name=grid.name,
            region_code=grid.region_code,
            source="grid",
            viewport=viewport,
            outline=polygons_path(polygons, viewport),
            grids=_grid_shapes(children, viewport),
            bbox=bbox,
            polygons=tuple(polygons),
        )

    return _cached(key, build)
