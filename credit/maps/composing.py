"""The maps' services: a region's public map and a regulator's grid map, each its area, its
layers and what to pick next (the regions or grids below)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import today
from core.errors import NotFound
from core.messages import Msg, msg
from core.reference import Region, region_code_problem, region_path
from core.users import User
from credit.grids.models import Grid, GridMember
from credit.grids.scope import grid_scope, visible_grid
from credit.maps.areas import CACHES, BoundedCache, MapArea, grid_area, region_area
from credit.maps.layers import (
    PUBLIC_LAYERS,
    Layer,
    LayerSource,
)
from credit.maps.regulator_layers import REGULATOR_LAYERS
from credit.records.listing import RegionCount, browse_regions

#: the most grids a regulator's picker lists
MAX_GRID_CHOICES = 500


@dataclass(frozen=True, slots=True)
class RegionMap:
    """The public map of a region (``region`` None: no region chosen yet)."""

    region: Region | None
    path: list[Region]
    #: None when nothing locates the region (no outline, no coordinates)
    area: MapArea | None
    layers: list[Layer]
    #: the regions below (provinces without a region) that hold enterprises
    choices: list[RegionCount]


@dataclass(frozen=True, slots=True)
class GridMap:
    """A regulator's map of one grid (``grid`` None: no grid chosen yet)."""

    grid: Grid | None
    parent: Grid | None
    area: MapArea | None
    layers: list[Layer]
    #: the grids the regulator may open (the children of ``grid`` when one is chosen)
    choices: list[Grid] = field(default_factory=list)


_public_layers = BoundedCache(64)
CACHES.append(_public_layers)


def _draw(session: Session, area: MapArea | None, sources: tuple[LayerSource, ...]) -> list[Layer]:
    return [source(session, area) for source in sources] if area is not None else []


def _draw_public(session: Session, area: MapArea | None) -> list[Layer]:
    """The public layers of a region's ``area``, each cached while the data it shows stays
    the same (its stamp in ``PUBLIC_LAYERS``: the region's enterprises and ratings, its
    tip-off events) and for the day (the 90-day window of tip-offs moves with the date). A
    write elsewhere in the country leaves this region's map cached; a write to one layer's
    data rebuilds that layer alone."""
    if area is None:
        return []
    day = today()
    layers: list[Layer] = []
    for source, stamp in PUBLIC_LAYERS:
        key = (area.kind, area.code, area.bbox, source.__name__, stamp(session, area), day)
        layers.append(_public_layers.get_or_build(key, partial(source, session, area)))
    return layers


def region_map(session: Session, code: str) -> RegionMap:
    """The public map of region ``code`` (a GB/T 2260 code; "" for the picker alone);
    NotFound naming the problem for a malformed or unknown code."""
    code = (code or "").strip()
    if not code:
        return RegionMap(None, [], None, [], browse_regions(session, "").children)
    problem = region_code_problem(session, code[:20])
    region = None if problem else session.get(Region, code)
    if region is None:
        raise NotFound(problem or msg("未知的行政区划代码"))
    area = region_area(session, region)
    children = browse_regions(session, region.code).children
    return RegionMap(
        region,
        region_path(session, region.code),
        area,
        _draw_public(session, area),
        children,
    )


def _grids_in_scope(session: Session, user: User) -> list[Grid]:
    """The grids to pick from: a region regulator's first-level grids; a grid member's own
    grids (the top of each subtree they see)."""
    scope = grid_scope(session, user)
    stmt = select(Grid).where(scope.where(Grid.id, Grid.region_code))
    if scope.by_grid:
        stmt = stmt.where(
            Grid.id.in_(select(GridMember.grid_id).where(GridMember.user_id == user.id))
        )
    else:
        stmt = stmt.where(Grid.level == 1)
    return list(session.scalars(stmt.order_by(Grid.region_code, Grid.code).limit(MAX_GRID_CHOICES)))


def grid_map(session: Session, user: User, code: str) -> GridMap:
    """The regulator's map of grid ``code`` with its open tip-offs and enterprises ("" for
    the picker of the grids the user may open); NotFound for an unknown code or a grid outside
    the user's scope (``credit.grids.scope``: a region regulator's region, a grid member's
    grids and the grids below them)."""
    code = (code or "").strip()
    if not code:
        return GridMap(None, None, None, [], _grids_in_scope(session, user))
    grid = visible_grid(session, user, code[:32])
    parent = session.get(Grid, grid.parent_id) if grid.parent_id else None
    children = list(
        session.scalars(select(Grid).where(Grid.parent_id == grid.id).order_by(Grid.code))
    )
    area = grid_area(session, grid)
    return GridMap(grid, parent, area, _draw(session, area, REGULATOR_LAYERS), children)


def map_summary(layers: list[Layer]) -> Msg:
    """The map's ``<desc>``: how many symbols it draws, and where they are listed."""
    total = sum(len(layer.symbols) for layer in layers)
    return msg("地图上共有 %(n)s 个标记，下方的表格逐一列出。", n=total)
