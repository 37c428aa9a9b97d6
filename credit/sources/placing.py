"""Where a batch of sources lies: WGS-84 coordinates, the county and the grid, in bulk.

The transform (credit.places.crs), the county boundaries (credit.places.boundaries) and the
grid outlines (credit.grids) have one definition each; this module only applies them to many
points at once: one grid query per batch and one STRtree over the batch's candidate grids.
The geometry libraries are imported on first use, not when the app starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.grids.models import Grid
from credit.places.crs import to_wgs84
from credit.places.imports import flag_contradicted
from credit.sources.models import SOURCE_ENTITY, PointSource

Point = tuple[float, float]  # (lon, lat), WGS-84
STEP = Decimal(10) ** -6  # the stored precision (Numeric(9, 6)), about 0.1 m


def stored_point(lat: Decimal, lon: Decimal, crs: str | None) -> tuple[Decimal, Decimal]:
    """(latitude, longitude) in WGS-84 at the stored precision; ValueError for a bad crs."""
    wlon, wlat = to_wgs84(float(lon), float(lat), crs or "wgs84")
    return Decimal(repr(wlat)).quantize(STEP), Decimal(repr(wlon)).quantize(STEP)


def counties_at(points: Sequence[Point]) -> list[str | None]:
    """The county code of each point (None where no county contains it)."""
    from credit.places.boundaries import county_at

    return [county_at(lon, lat) for lon, lat in points]


def grids_at(session: Session, points: Sequence[Point]) -> list[int | None]:
    """The id of the deepest grid covering each point, the lowest id among equals — the rule
    of :func:`credit.grids.lookup.grid_at`, for a batch in one query."""
    if not points:
        return []
    # numpy and shapely load only in processes that place points (idle workers stay small)
    import numpy as np
    import shapely
    from shapely.strtree import STRtree

    from credit.grids.lookup import grid_shape

    coords = np.asarray(points, dtype=float)
    (west, south), (east, north) = coords.min(axis=0), coords.max(axis=0)
    grids = session.scalars(
        select(Grid)
        .where(
            Grid.min_lon <= east, Grid.max_lon >= west, Grid.min_lat <= north, Grid.max_lat >= south
        )
        .order_by(Grid.level.desc(), Grid.id)
    ).all()
    found: list[int | None] = [None] * len(points)
    if not grids:
        return found
    tree = STRtree([grid_shape(g) for g in grids])
    hits, ranks = tree.query(shapely.points(coords), predicate="covered_by")
    best = np.full(len(points), len(grids))
    np.minimum.at(best, hits, ranks)  # grids are in rule order: the lowest rank wins
    for i, rank in enumerate(best):
        if rank < len(grids):
            found[i] = grids[rank].id
    return found


def flag_region_mismatches(session: Session, written: Sequence[dict[str, Any]]) -> None:
    """Flag the written sources whose given region their coordinates' county contradicts (the
    given code is kept) as place mismatches for the regulator, and clear the open mismatch of
    a source whose new values agree: :func:`credit.places.imports.flag_contradicted`."""
    latest = {values["code"]: values for values in written}  # a later row of a code wins
    if not latest:
        return
    rows = session.execute(
        select(PointSource.code, PointSource.id).where(PointSource.code.in_(list(latest)))
    )
    ids: dict[str, int] = {code: id_ for code, id_ in rows}
    flag_contradicted(session, SOURCE_ENTITY, [(ids[c], v) for c, v in latest.items()])
