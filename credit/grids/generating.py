"""Regular grid cells where no survey exists: squares of N km over an outline, clipped to it.

Cells are laid out from the outline's south-west corner, ``cell_km`` tall (1° of latitude is
π·R/180, R the mean Earth radius of ``credit.places.crs``) and as wide at the outline's middle
latitude, numbered row by row from the north-west. Each cell is the square's intersection with
the outline, so the cells cover the outline exactly and do not overlap; squares that only touch
it are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.errors import Conflict, Invalid
from core.messages import msg
from core.reference import region_code_problem, region_name
from credit.grids.geometry import outline_columns
from credit.grids.importing import CODE_RE
from credit.grids.lookup import grid_shape
from credit.grids.members import find_grid
from credit.grids.models import GRID_ENTITY, GRID_LEVELS, MAX_CELL_KM, MIN_CELL_KM, Grid
from credit.places.crs import EARTH_RADIUS_M

KM_PER_DEGREE = math.pi * EARTH_RADIUS_M / 1000 / 180
MAX_CELLS = 5000

#: names a cell from its parent's (or region's) name and its 1-based number
Namer = Callable[[str, int], str]


def default_name(base: str, number: int) -> str:
    return f"{base}第{number}网格"


def square_cells(outline: BaseGeometry, cell_km: float) -> Iterator[BaseGeometry]:
    """The outline cut into ``cell_km`` squares, north-west first; empty cuts left out."""
    west, south, east, north = outline.bounds
    dlat = cell_km / KM_PER_DEGREE
    dlon = dlat / math.cos(math.radians((south + north) / 2))
    rows, cols = math.ceil((north - south) / dlat), math.ceil((east - west) / dlon)
    if rows * cols > MAX_CELLS * 4:
        raise Invalid(msg("网格过多：请增大单元边长（最多 %(n)s 个单元）", n=MAX_CELLS))
    shapely.prepare(outline)
    for row in range(rows):
        top = north - row * dlat
        for col in range(cols):
            left = west + col * dlon
            square = box(left, max(top - dlat, south), min(left + dlon, east), top)
            if not outline.intersects(square):
                continue
            cell = _polygonal(outline.intersection(square))
            if cell is not None:
                yield cell


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area > 0]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def merge_slivers(cells: list[BaseGeometry], full_area: float, share: float) -> list[BaseGeometry]:
    """Cells smaller than ``share`` of a full square joined to the neighbour they share the
    longest edge with (a clipped corner is not a grid of its own); a piece with no such
    neighbour stays. The cells still cover the same outline without overlaps."""
    small = [c for c in cells if c.area < share * full_area]
    kept = [c for c in cells if c.area >= share * full_area]
    if not kept:
        return cells
    tree = shapely.STRtree(kept)
    for piece in small:
        best, edge = None, 0.0
        for i in tree.query(piece):
            length = kept[int(i)].intersection(piece).length
            if length > edge:
                best, edge = int(i), length
        if best is None:
            kept.append(piece)
            continue
        joined = _polygonal(shapely.union(kept[best], piece))
        kept[best] = joined if joined is not None else kept[best]
    return kept


def build_cells(
    session: Session,
    region_code: str,
    outline: BaseGeometry,
    cell_km: float,
    parent: Grid | None,
    namer: Namer = default_name,
    sliver_share: float = 0.0,
) -> list[Grid]:
    """Add (not flush) the cells cutting ``outline`` under ``parent`` (or at level 1), coded
    ``<parent code or region code>-NNN`` and named by ``namer``."""
    base = parent.name if parent is not None else region_name(session, region_code) or region_code
    prefix = parent.code if parent is not None else region_code
    cells = list(square_cells(outline, cell_km))
    if sliver_share:
        dlat = cell_km / KM_PER_DEGREE
        full = dlat * dlat / math.cos(math.radians(outline.centroid.y))
        cells = merge_slivers(cells, full, sliver_share)
    if len(cells) > MAX_CELLS:
        raise Invalid(msg("网格过多：请增大单元边长（最多 %(n)s 个单元）", n=MAX_CELLS))
    return [
        _new_cell(session, f"{prefix}-{n:03d}", namer(base, n), region_code, parent, cell)
        for n, cell in enumerate(cells, start=1)
    ]


def generate_cells(
    session: Session,
    region_code: str,
    cell_km: float,
    actor: str,
    outline: BaseGeometry | None = None,
    parent_code: str | None = None,
    namer: Namer = default_name,
) -> list[Grid]:
    """Generated cells (``generated=True``) under ``parent_code`` (clipped to its outline) or,
    without a parent, at level 1 over ``outline`` (the region's boundary)."""
    if not (MIN_CELL_KM <= cell_km <= MAX_CELL_KM):
        raise Invalid(msg("单元边长应在 %(lo)s 至 %(hi)s 公里之间", lo=MIN_CELL_KM, hi=MAX_CELL_KM))
    problem = region_code_problem(session, region_code)
    if problem:
        raise Invalid(problem, {"region_code": [problem]})
    parent = find_grid(session, parent_code) if parent_code else None
    if parent is not None:
        if parent.region_code != region_code:
            raise Invalid(
                msg("上级网格属于行政区划 %(code)s", code=parent.region_code),
                {"region_code": [parent.region_code]},
            )
        if parent.level + 1 not in GRID_LEVELS:
            raise Invalid(msg("第 %(level)s 级网格下不能再分网格", level=parent.level))
        outline = grid_shape(parent)
    if outline is None:
        raise Invalid(msg("没有可供划分的轮廓：请指定上级网格"))
    _refuse_existing(session, region_code, parent)
    grids = build_cells(session, region_code, outline, cell_km, parent, namer)
    session.flush()
    for grid in grids:
        record_change(session, GRID_ENTITY, grid.code)
    audit(
        session,
        actor,
        "grids.generate",
        f"grid:{parent.code}" if parent else f"region:{region_code}",
        {"cell_km": cell_km, "cells": len(grids)},
    )
    return grids


def _refuse_existing(session: Session, region_code: str, parent: Grid | None) -> None:
    """Generated cells would overlap grids already there."""
    where = (
        Grid.parent_id == parent.id
        if parent is not None
        else (Grid.parent_id.is_(None) & (Grid.region_code == region_code))
    )
    if session.scalar(select(Grid.id).where(where).limit(1)) is not None:
        raise Conflict(msg("此处已有下级网格，不能再生成网格"))


def _new_cell(
    session: Session,
    code: str,
    name: str,
    region_code: str,
    parent: Grid | None,
    cell: BaseGeometry,
) -> Grid:
    if not CODE_RE.fullmatch(code):
        raise Invalid(msg("生成的网格编码“%(code)s”超过 32 个字符", code=code))
    grid = Grid(
        code=code,
        name=name[:100],
        level=parent.level + 1 if parent is not None else 1,
        parent_id=parent.id if parent is not None else None,
        region_code=region_code,
        generated=True,
        **outline_columns(cell),
    )
    session.add(grid)
    return grid
