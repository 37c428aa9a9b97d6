"""Browsing the monitoring network: stations per region or grid (keyset paged by MN), one
station, one outlet, an enterprise's outlets. Public data only: never a password hash."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.messages import msg
from core.reference import region_prefix
from credit.grids.lookup import grid_and_descendants
from credit.grids.models import Grid
from credit.monitoring.columns import MN
from credit.monitoring.models import STATION_KINDS, Outlet, Station
from credit.monitoring.snapshots import outlet_limits, outlet_view, station_view
from credit.records.models import Enterprise

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_CODE = 32


@dataclass(frozen=True)
class StationFilter:
    """The station list's filters as typed; ``after`` is the last MN of the previous page."""

    region: str = ""
    grid: str = ""
    kind: str = ""
    after: str = ""

    def cleaned(self) -> StationFilter:
        """Trimmed values; a malformed region, kind or cursor is dropped (pages), the API
        validates them before calling."""
        region = self.region.strip()
        kind = self.kind.strip()
        after = self.after.strip()
        return replace(
            self,
            region=region if region.isdigit() and 2 <= len(region) <= 6 else "",
            grid=self.grid.strip()[:MAX_CODE],
            kind=kind if kind in STATION_KINDS else "",
            after=after if MN.match(after) else "",
        )


@dataclass(frozen=True)
class StationPage:
    items: list[dict[str, Any]]
    filters: StationFilter
    #: the ``after`` of the next page (None on the last page)
    next_after: str | None
    grid_name: str | None = None


def list_stations(session: Session, filters: StationFilter, limit: int = PAGE_SIZE) -> StationPage:
    """One page of stations in MN order after ``filters.after``; a grid includes the grids
    below it. An unknown grid code is NotFound."""
    f = filters.cleaned()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    conds: list[Any] = []
    grid_name = None
    if f.grid:
        grid = session.scalar(select(Grid).where(Grid.code == f.grid))
        if grid is None:
            raise NotFound(msg("未找到网格 %(code)s", code=f.grid))
        grid_name = grid.name
        conds.append(Station.grid_id.in_(grid_and_descendants(session, grid.id)))
    if f.region:
        conds.append(Station.region_code.like(region_prefix(f.region.ljust(6, "0")) + "%"))
    if f.kind:
        conds.append(Station.kind == f.kind)
    if f.after:
        conds.append(Station.mn > f.after)
    rows = session.execute(
        select(Station, Grid.code)
        .outerjoin(Grid, Grid.id == Station.grid_id)
        .where(*conds)
        .order_by(Station.mn)
        .limit(limit + 1)
    ).all()
    items = [station_view(station, code) for station, code in rows[:limit]]
    next_after = items[-1]["mn"] if len(rows) > limit else None
    return StationPage(items, f, next_after, grid_name)


def _clean_mn(mn: str) -> str:
    text = (mn or "").strip()
    return text if MN.match(text) else ""


def get_station(session: Session, mn: str) -> dict[str, Any]:
    """One station's public view, with its grid's name (NotFound for an unknown MN)."""
    text = _clean_mn(mn)
    row = (
        session.execute(
            select(Station, Grid.code, Grid.name)
            .outerjoin(Grid, Grid.id == Station.grid_id)
            .where(Station.mn == text)
        ).first()
        if text
        else None
    )
    if row is None:
        raise NotFound(msg("未找到监测站点 %(mn)s", mn=text or "-"))
    station, grid_code, grid_name = row
    return {**station_view(station, grid_code), "grid_name": grid_name}


def get_outlet(session: Session, mn: str) -> dict[str, Any]:
    """One outlet's public view with its enterprise's name (NotFound for an unknown MN)."""
    text = _clean_mn(mn)
    row = (
        session.execute(
            select(Outlet, Enterprise.uscc, Enterprise.name, Grid.code)
            .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
            .outerjoin(Grid, Grid.id == Outlet.grid_id)
            .where(Outlet.mn == text)
        ).first()
        if text
        else None
    )
    if row is None:
        raise NotFound(msg("未找到排放口 %(mn)s", mn=text or "-"))
    outlet, uscc, name, grid_code = row
    limits = outlet_limits(session, [outlet.id]).get(outlet.id, {})
    return {**outlet_view(outlet, uscc, grid_code, limits), "enterprise_name": name}


def enterprise_outlets(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    """The enterprise's outlets in outlet-code order, each with its limits."""
    rows = session.execute(
        select(Outlet, Enterprise.uscc, Grid.code)
        .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
        .outerjoin(Grid, Grid.id == Outlet.grid_id)
        .where(Outlet.enterprise_id == enterprise_id)
        .order_by(Outlet.outlet_code)
    ).all()
    limits = outlet_limits(session, (o.id for o, _, _ in rows))
    return [outlet_view(o, uscc, code, limits.get(o.id, {})) for o, uscc, code in rows]


def outlets_of_uscc(session: Session, uscc: str) -> list[dict[str, Any]]:
    """The outlets of the enterprise ``uscc`` (NotFound, saying why, for an unknown one)."""
    from credit.records.listing import get_enterprise

    return enterprise_outlets(session, get_enterprise(session, uscc).id)
