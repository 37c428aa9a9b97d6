"""Who sees which grids: region regulators their region's, grid members their own subtree.

A user with no grid membership is a region-level regulator: they see every grid of a region
inside theirs (``User.may_act_in``) and edit those grids. A user who is a member of any grid is
scoped to the grids they are members of and everything below them (``member_grid_ids``), even
where their account's region is wider; grid members do not edit the hierarchy.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.errors import Forbidden, NotFound
from core.messages import msg
from core.reference import region_prefix
from core.users import User
from credit.grids.lookup import grid_by_code, member_grid_ids
from credit.grids.models import Grid


@dataclass(frozen=True)
class GridScope:
    """Either a region prefix (region regulators) or a set of grid ids (grid members)."""

    region_prefix: str | None = None
    grid_ids: frozenset[int] | None = None

    @property
    def by_grid(self) -> bool:
        return self.grid_ids is not None

    def sees(self, grid: Grid) -> bool:
        """True if the grid is inside this scope."""
        if self.grid_ids is not None:
            return grid.id in self.grid_ids
        return self.region_prefix is not None and grid.region_code.startswith(self.region_prefix)

    def where(
        self,
        grid_id: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
        region_code: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    ) -> ColumnElement[bool]:
        """A SQL condition on a row's grid and region columns (cases, sources …): in scope."""
        if self.grid_ids is not None:
            return grid_id.in_(self.grid_ids) if self.grid_ids else false()
        if self.region_prefix is None:
            return false()
        return region_code.startswith(self.region_prefix)


def grid_scope(session: Session, user: User) -> GridScope:
    """The grids ``user`` sees (see the module's rule)."""
    ids = member_grid_ids(session, user.id)
    if ids:
        return GridScope(grid_ids=frozenset(ids))
    return GridScope(region_prefix=region_prefix(user.region_code))


def visible_grid(session: Session, user: User, code: str) -> Grid:
    """The grid ``code`` if ``user`` may see it; NotFound otherwise (an out-of-scope grid is
    answered like a missing one, so codes outside the scope are not confirmed)."""
    grid = grid_by_code(session, code)
    if grid is None or not grid_scope(session, user).sees(grid):
        raise NotFound(msg("未找到编码为 %(code)s 的网格", code=code))
    return grid


def may_edit(session: Session, user: User, grid: Grid) -> bool:
    """True if ``user`` is a region regulator whose region holds the grid."""
    scope = grid_scope(session, user)
    return not scope.by_grid and scope.sees(grid)


def require_editor(session: Session, user: User, grid: Grid) -> None:
    """Forbidden unless ``user`` may edit ``grid``."""
    if not may_edit(session, user, grid):
        raise Forbidden(msg("只有网格所在地区的监管人员可以修改网格"))
