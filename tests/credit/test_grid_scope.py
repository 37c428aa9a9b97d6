"""Grid scope (what a user sees) and the public grid snapshot of the change feed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from credit.grids.models import Grid
from credit.grids.scope import grid_scope, may_edit
from credit.kinds import snapshots
from tests.factories import add_grid_member, create_grid, create_regulator


def _grids(session):
    street = create_grid(session, "ZY")
    community = create_grid(session, "ZY-01", parent=street)
    yard = create_grid(session, "ZY-01-1", parent=community)
    sibling = create_grid(session, "ZY-02", parent=street)
    other = create_grid(session, "QL", region_code="620103")
    return street, community, yard, sibling, other


def _visible(session, scope):
    return set(session.scalars(select(Grid.code).where(scope.where(Grid.id, Grid.region_code))))


def test_region_regulator_scope_is_their_region(session):
    street, *_ = _grids(session)
    city = create_regulator(session, "city@example.cn", region="620100")
    district = create_regulator(session, "cg@example.cn", region="620102")
    assert _visible(session, grid_scope(session, city)) == {"ZY", "ZY-01", "ZY-01-1", "ZY-02", "QL"}
    scope = grid_scope(session, district)
    assert _visible(session, scope) == {"ZY", "ZY-01", "ZY-01-1", "ZY-02"}
    assert not scope.by_grid and may_edit(session, district, street)


def test_grid_member_scope_is_their_subtree_even_with_a_wider_region(session):
    street, community, yard, _sibling, other = _grids(session)
    member = create_regulator(session, "wang@example.cn", region="620100")
    add_grid_member(session, community, member, role="officer")
    scope = grid_scope(session, member)
    assert scope.by_grid
    assert _visible(session, scope) == {"ZY-01", "ZY-01-1"}
    assert scope.sees(yard) and not scope.sees(street) and not scope.sees(other)
    assert not may_edit(session, member, community)


def test_the_change_feed_snapshot_of_a_grid_is_public_and_memberless(session):
    _street, community, *_ = _grids(session)
    user = create_regulator(session, "wang@example.cn", region="620102")
    add_grid_member(session, community, user)
    snap = snapshots(session, "grid", ["ZY-01", "无"], dt.date(2026, 12, 3))
    assert snap["无"] is None
    view = snap["ZY-01"]
    assert view["parent_code"] == "ZY" and view["level"] == 2
    assert view["geometry"]["type"] == "Polygon"
    assert "wang" not in str(view) and "members" not in view
