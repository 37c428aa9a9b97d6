"""Grid lookup: the deepest grid at a point, by code, and the subtree a member answers for."""

from __future__ import annotations

from credit.grids.lookup import grid_and_descendants, grid_at, grid_by_code, member_grid_ids
from tests.factories import add_grid_member, create_grid, create_regulator


def _tree(session):
    street = create_grid(session, "S1", box=(103.80, 36.00, 103.90, 36.10))
    west = create_grid(session, "S1-C1", box=(103.80, 36.00, 103.85, 36.10), parent=street)
    east = create_grid(session, "S1-C2", box=(103.85, 36.00, 103.90, 36.10), parent=street)
    yard = create_grid(session, "S1-C1-Y1", box=(103.80, 36.00, 103.85, 36.05), parent=west)
    other = create_grid(session, "S2", box=(104.00, 36.00, 104.10, 36.10))
    return street, west, east, yard, other


def test_grid_at_returns_the_deepest_grid_containing_the_point(session):
    _street, west, east, yard, _ = _tree(session)
    assert grid_at(session, 103.82, 36.02) is yard
    assert grid_at(session, 103.82, 36.08) is west
    assert grid_at(session, 103.88, 36.05) is east


def test_grid_at_outside_every_grid_is_none(session):
    _tree(session)
    assert grid_at(session, 103.95, 36.05) is None
    assert grid_at(session, 0.0, 0.0) is None


def test_grid_at_checks_the_polygon_not_only_its_box(session):
    # a triangle: its bounding box holds the point, the triangle does not
    import json

    triangle = {
        "type": "Polygon",
        "coordinates": [[[103.0, 36.0], [103.1, 36.0], [103.0, 36.1], [103.0, 36.0]]],
    }
    create_grid(session, "T", box=(103.0, 36.0, 103.1, 36.1), geometry=json.dumps(triangle))
    assert grid_at(session, 103.02, 36.02).code == "T"
    assert grid_at(session, 103.09, 36.09) is None


def test_grid_by_code(session):
    street, *_ = _tree(session)
    assert grid_by_code(session, "S1") is street
    assert grid_by_code(session, "无此网格") is None


def test_grid_and_descendants_is_the_whole_subtree(session):
    street, west, east, yard, _other = _tree(session)
    assert grid_and_descendants(session, street.id) == {street.id, west.id, east.id, yard.id}
    assert grid_and_descendants(session, west.id) == {west.id, yard.id}
    assert grid_and_descendants(session, yard.id) == {yard.id}


def test_member_grid_ids_covers_each_membership_and_its_descendants(session):
    _street, west, _east, yard, other = _tree(session)
    user = create_regulator(session, "officer@example.cn", region="620102")
    assert member_grid_ids(session, user.id) == set()
    add_grid_member(session, west, user)
    add_grid_member(session, other, user, role="volunteer")
    assert member_grid_ids(session, user.id) == {west.id, yard.id, other.id}
