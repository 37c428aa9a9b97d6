"""Finding grids: by point, by code, and the subtree a grid or a grid member answers for."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.grids.models import Grid, GridMember
from credit.places.lookup import PlacedPoint, place_point

if TYPE_CHECKING:  # shapely (and numpy) load when a process first looks a point up
    from shapely.geometry.base import BaseGeometry


@lru_cache(maxsize=4096)
def _parsed(geometry: str) -> BaseGeometry:
    """A stored GeoJSON text as a prepared shapely geometry (cached by its text, so an edited
    outline is parsed again and an unchanged one once)."""
    import shapely
    from shapely.geometry import shape

    geom = shape(json.loads(geometry))
    geom = geom.buffer(0) if not geom.is_valid else geom
    shapely.prepare(geom)
    return geom


def grid_shape(grid: Grid) -> BaseGeometry:
    """The grid's outline as a shapely geometry (WGS-84 lon/lat)."""
    return _parsed(grid.geometry)


def grid_at(session: Session, lon: float, lat: float) -> Grid | None:
    """The deepest grid whose outline contains the WGS-84 point (lon, lat), or None.

    The bounding-box columns prefilter in SQL; shapely decides. A point on a shared edge goes to
    the grid with the lowest id among the deepest, so the answer is stable.
    """
    candidates = session.scalars(
        select(Grid)
        .where(Grid.min_lon <= lon, Grid.max_lon >= lon, Grid.min_lat <= lat, Grid.max_lat >= lat)
        .order_by(Grid.level.desc(), Grid.id)
    )
    from shapely.geometry import Point

    point = Point(lon, lat)
    for grid in candidates:
        if grid_shape(grid).covers(point):
            return grid
    return None


@dataclass(frozen=True)
class GriddedPoint:
    """A point placed in its county, and the grid containing it (None when no grid does)."""

    place: PlacedPoint
    grid: Grid | None


def locate_point(session: Session, lat: float, lon: float, crs: str = "wgs84") -> GriddedPoint:
    """The county and the grid containing a point given in ``crs``; NotFound outside China
    (:func:`credit.places.lookup.place_point`), Invalid for bad numbers or CRS."""
    placed = place_point(session, lat, lon, crs)
    return GriddedPoint(placed, grid_at(session, placed.lon, placed.lat))


def grid_by_code(session: Session, code: str) -> Grid | None:
    """The grid with this code, or None."""
    return session.scalar(select(Grid).where(Grid.code == code))


def _descendants(session: Session, roots: set[int]) -> set[int]:
    """``roots`` with every grid below them (levels are at most 4: a few queries)."""
    found = set(roots)
    frontier = set(roots)
    while frontier:
        children = set(session.scalars(select(Grid.id).where(Grid.parent_id.in_(frontier))))
        frontier = children - found
        found |= frontier
    return found


def grid_and_descendants(session: Session, grid_id: int) -> set[int]:
    """The ids of the grid and of every grid below it."""
    return _descendants(session, {grid_id})


def member_grid_ids(session: Session, user_id: int) -> set[int]:
    """The grids a user is a member of, with all their descendants: the scope a member sees."""
    roots = set(session.scalars(select(GridMember.grid_id).where(GridMember.user_id == user_id)))
    return _descendants(session, roots) if roots else set()
