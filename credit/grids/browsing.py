"""What the regulator pages show of grids: the tree in a user's scope and one grid's page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.errors import Invalid
from core.messages import msg
from core.users import User
from credit.grids.members import grid_members, member_counts
from credit.grids.models import GRID_ENTITY, MAX_NAME, Grid, GridMember
from credit.grids.scope import GridScope, grid_scope, may_edit, require_editor, visible_grid
from credit.records.fields import plain


@dataclass(frozen=True)
class TreeRow:
    #: the grid, or a row of its id, code, name, level and parent_id (the tree page)
    grid: Any
    #: depth below the first grid of the user's scope on this branch (0 = a root)
    depth: int
    members: int
    children: int


@dataclass(frozen=True)
class Branch:
    """A first grid of the user's scope and everything below it, depth first."""

    root: TreeRow
    rows: list[TreeRow]
    #: grids below the rows shown, left to their parents' pages (large scopes only)
    hidden: int = 0


@dataclass(frozen=True)
class GridPage:
    grid: Grid
    #: the ancestors the user may see, outermost first
    ancestors: list[Grid]
    children: list[TreeRow]
    members: list[tuple[GridMember, User]]
    editable: bool


#: a scope with more grids than this lists two levels per branch (a phone page stays small)
MAX_TREE_ROWS = 300


def _in_scope(session: Session, scope: GridScope) -> list[Any]:
    """The scope's grids as light rows (id, code, name, level, parent_id): no outlines."""
    query = select(Grid.id, Grid.code, Grid.name, Grid.level, Grid.parent_id).order_by(
        Grid.level, Grid.code
    )
    if scope.grid_ids is not None:
        return list(session.execute(query.where(Grid.id.in_(scope.grid_ids))))
    return list(
        session.execute(query.where(Grid.region_code.startswith(scope.region_prefix or "-")))
    )


def grid_tree(session: Session, user: User) -> list[Branch]:
    """The grids ``user`` sees, as branches under each first grid of their scope, depth first
    (children by code), with member counts."""
    grids = _in_scope(session, grid_scope(session, user))
    ids = {g.id for g in grids}
    children: dict[int | None, list[Any]] = {}
    for g in grids:
        parent = g.parent_id if g.parent_id in ids else None
        children.setdefault(parent, []).append(g)
    counts = member_counts(session, list(ids))
    max_depth = 1 if len(grids) > MAX_TREE_ROWS else 3
    branches: list[Branch] = []
    for root in children.get(None, []):
        rows: list[TreeRow] = []
        hidden = 0
        stack = [(root, 0)]
        while stack:
            grid, depth = stack.pop()
            below = children.get(grid.id, [])
            if depth > max_depth:
                hidden += 1
            else:
                rows.append(TreeRow(grid, depth, counts.get(grid.id, 0), len(below)))
            stack.extend((c, depth + 1) for c in reversed(below))
        branches.append(Branch(rows[0], rows[1:], hidden))
    return branches


def grid_page(session: Session, user: User, code: str) -> GridPage:
    """One grid as ``user`` sees it; NotFound outside their scope."""
    grid = visible_grid(session, user, code)
    scope = grid_scope(session, user)
    ancestors: list[Grid] = []
    parent_id = grid.parent_id
    while parent_id is not None:
        parent = session.get(Grid, parent_id)
        if parent is None or not scope.sees(parent):
            break
        ancestors.insert(0, parent)
        parent_id = parent.parent_id
    kids = list(session.scalars(select(Grid).where(Grid.parent_id == grid.id).order_by(Grid.code)))
    counts = member_counts(session, [k.id for k in kids])
    grandchildren = _child_counts(session, [k.id for k in kids])
    return GridPage(
        grid=grid,
        ancestors=ancestors,
        children=[TreeRow(k, 0, counts.get(k.id, 0), grandchildren.get(k.id, 0)) for k in kids],
        members=grid_members(session, grid.id),
        editable=may_edit(session, user, grid),
    )


def _child_counts(session: Session, ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    if ids:
        for parent_id in session.scalars(select(Grid.parent_id).where(Grid.parent_id.in_(ids))):
            if parent_id is not None:
                out[parent_id] = out.get(parent_id, 0) + 1
    return out


def rename_grid(session: Session, user: User, code: str, name: str, actor: str) -> Grid:
    """Give grid ``code`` a new name (region regulators of its region only)."""
    grid = visible_grid(session, user, code)
    require_editor(session, user, grid)
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(msg("名称不能为空，最长 %(n)s 个字", n=MAX_NAME), {"name": [msg("名称")]})
    try:
        plain(name)
    except ValueError as exc:
        raise Invalid(exc.args[0], {"name": [exc.args[0]]}) from None
    if name != grid.name:
        before = grid.name
        grid.name = name
        session.flush()
        record_change(session, GRID_ENTITY, grid.code)
        audit(session, actor, "grids.rename", f"grid:{grid.code}", {"from": before, "to": name})
    return grid
