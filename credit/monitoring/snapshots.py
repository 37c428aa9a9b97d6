"""The public view of stations and outlets (change feed, API, webhooks). Never a password."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import iso
from credit.grids.models import Grid
from credit.monitoring.models import Outlet, OutletLimit, Station
from credit.records.models import Enterprise


def station_view(station: Station, grid_code: str | None) -> dict[str, Any]:
    return {
        "mn": station.mn,
        "name": station.name,
        "kind": station.kind,
        "latitude": float(station.latitude),
        "longitude": float(station.longitude),
        "region_code": station.region_code,
        "grid_code": grid_code,
    }


def outlet_view(
    outlet: Outlet, uscc: str, grid_code: str | None, limits: dict[str, float]
) -> dict[str, Any]:
    return {
        "mn": outlet.mn,
        "enterprise_uscc": uscc,
        "outlet_code": outlet.outlet_code,
        "kind": outlet.kind,
        "commissioned_on": iso(outlet.commissioned_on),
        "grid_code": grid_code,
        "limits": limits,
    }


def station_snapshots(
    session: Session, mns: Iterable[str], _today: dt.date | None = None
) -> dict[str, dict[str, Any] | None]:
    mns = list(set(mns))
    out: dict[str, dict[str, Any] | None] = dict.fromkeys(mns)
    for station, grid_code in session.execute(
        select(Station, Grid.code)
        .outerjoin(Grid, Grid.id == Station.grid_id)
        .where(Station.mn.in_(mns))
    ):
        out[station.mn] = station_view(station, grid_code)
    return out


def outlet_limits(session: Session, outlet_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    """Each outlet's limits: {outlet id: {pollutant: mg/m³}}."""
    limits: dict[int, dict[str, float]] = {}
    for row in session.execute(
        select(OutletLimit).where(OutletLimit.outlet_id.in_(set(outlet_ids)))
    ).scalars():
        limits.setdefault(row.outlet_id, {})[row.pollutant] = float(row.limit)
    return limits


def outlet_snapshots(
    session: Session, mns: Iterable[str], _today: dt.date | None = None
) -> dict[str, dict[str, Any] | None]:
    mns = list(set(mns))
    out: dict[str, dict[str, Any] | None] = dict.fromkeys(mns)
    rows = session.execute(
        select(Outlet, Enterprise.uscc, Grid.code)
        .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
        .outerjoin(Grid, Grid.id == Outlet.grid_id)
        .where(Outlet.mn.in_(mns))
    ).all()
    limits = outlet_limits(session, (o.id for o, _, _ in rows))
    for outlet, uscc, grid_code in rows:
        out[outlet.mn] = outlet_view(outlet, uscc, grid_code, limits.get(outlet.id, {}))
    return out
