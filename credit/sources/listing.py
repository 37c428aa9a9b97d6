"""The ledger for regulators: sources per grid or region, keyset paged by code, and one
source's detail — inside the user's scope.

Scope is the grids' rule (credit.grids.scope): a user who is a member of any grid sees the
sources of their grids and the grids below them; any other regulator sees their region's
(everywhere for a national administrator).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.errors import Forbidden, NotFound
from core.messages import msg
from core.reference import Region, region_prefix
from core.users import User
from credit.grids.lookup import grid_and_descendants
from credit.grids.models import Grid
from credit.grids.scope import GridScope, grid_scope, visible_grid
from credit.records.models import Enterprise
from credit.sources.models import SOURCE_TYPES, PointSource

PAGE_SIZE = 50
MAX_CODE = 32
MAX_QUERY = 100


@dataclass(frozen=True)
class SourceFilter:
    """The list's filters as typed; ``after`` is the last code of the previous page."""

    grid: str = ""
    region: str = ""
    type: str = ""
    q: str = ""
    after: str = ""

    def cleaned(self) -> SourceFilter:
        """Trimmed, bounded values; an unknown type or a malformed region is dropped."""
        region = self.region.strip()
        kind = self.type.strip()
        return replace(
            self,
            grid=self.grid.strip()[:MAX_CODE],
            region=region if region.isdigit() and len(region) == 6 else "",
            type=kind if kind in SOURCE_TYPES else "",
            q=" ".join(self.q.split())[:MAX_QUERY],
            after=self.after.strip()[:MAX_CODE],
        )


@dataclass(frozen=True)
class SourceRow:
    source: PointSource
    grid_code: str | None
    grid_name: str | None


@dataclass(frozen=True)
class SourcePage:
    rows: list[SourceRow]
    filters: SourceFilter
    #: the ``after`` of the next page (None on the last page)
    next_after: str | None
    grid: Grid | None


def _sees(scope: GridScope, source: PointSource) -> bool:
    """True if ``source`` is inside ``scope`` (the Python form of ``GridScope.where``)."""
    if scope.grid_ids is not None:
        return source.grid_id in scope.grid_ids
    return scope.region_prefix is not None and source.region_code.startswith(scope.region_prefix)


def list_sources(
    session: Session, user: User, filters: SourceFilter, limit: int = PAGE_SIZE
) -> SourcePage:
    """One page of sources in code order after ``filters.after``, inside the user's scope."""
    f = filters.cleaned()
    scope = grid_scope(session, user)
    conds: list[Any] = [scope.where(PointSource.grid_id, PointSource.region_code)]
    grid = None
    if f.grid:
        grid = visible_grid(session, user, f.grid)  # NotFound outside the scope too
        conds.append(PointSource.grid_id.in_(grid_and_descendants(session, grid.id)))
    if f.region:
        conds.append(PointSource.region_code.like(region_prefix(f.region) + "%"))
    if f.type:
        conds.append(PointSource.type == f.type)
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(
            or_(
                PointSource.name.like(pattern, escape="\\"),
                PointSource.code.like(pattern, escape="\\"),
                PointSource.address.like(pattern, escape="\\"),
            )
        )
    if f.after:
        conds.append(PointSource.code > f.after)
    stmt = (
        select(PointSource, Grid.code, Grid.name)
        .outerjoin(Grid, Grid.id == PointSource.grid_id)
        .where(*conds)
        .order_by(PointSource.code)
        .limit(limit + 1)
    )
    rows = [SourceRow(s, gc, gn) for s, gc, gn in session.execute(stmt)]
    more = len(rows) > limit
    rows = rows[:limit]
    return SourcePage(rows, f, rows[-1].source.code if more else None, grid)


def source_detail(session: Session, user: User, code: str) -> dict[str, Any]:
    """One source with its grid, region and linked enterprise (NotFound / Forbidden)."""
    text = (code or "").strip()[:MAX_CODE]
    source = session.scalar(select(PointSource).where(PointSource.code == text)) if text else None
    if source is None:
        raise NotFound(msg("未找到污染源 %(code)s", code=text or "-"))
    if not _sees(grid_scope(session, user), source):
        raise Forbidden(msg("该污染源不在您的网格或辖区内"))
    return {
        "source": source,
        "grid": session.get(Grid, source.grid_id) if source.grid_id else None,
        "region": session.get(Region, source.region_code),
        "enterprise": session.get(Enterprise, source.enterprise_id)
        if source.enterprise_id
        else None,
    }
