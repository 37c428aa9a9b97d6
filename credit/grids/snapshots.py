"""The public view of grids (change feed, webhooks): outline and place in the hierarchy."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from credit.grids.models import Grid


def grid_view(grid: Grid, parent_code: str | None) -> dict[str, Any]:
    """One grid as the public sees it (members are not public)."""
    return {
        "code": grid.code,
        "name": grid.name,
        "level": grid.level,
        "parent_code": parent_code,
        "region_code": grid.region_code,
        "generated": grid.generated,
        "bbox": [grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat],
        "geometry": json.loads(grid.geometry),
    }


def grid_snapshots(
    session: Session, codes: Iterable[str], _today: dt.date | None = None
) -> dict[str, dict[str, Any] | None]:
    """Public views of grids by code (None: no such grid)."""
    codes = list(set(codes))
    parent = aliased(Grid)
    rows = session.execute(
        select(Grid, parent.code)
        .outerjoin(parent, parent.id == Grid.parent_id)
        .where(Grid.code.in_(codes))
    )
    out: dict[str, dict[str, Any] | None] = dict.fromkeys(codes)
    for grid, parent_code in rows:
        out[grid.code] = grid_view(grid, parent_code)
    return out
