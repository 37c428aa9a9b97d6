"""The demo's Lanzhou-style grid: three districts fully covered, three levels, teams of six."""

from __future__ import annotations

from collections import Counter

import pytest
from shapely.ops import unary_union
from sqlalchemy import func, select

from credit.demo.grids import DISTRICTS, TEAM, load_demo_grids
from credit.grids.lookup import grid_at, grid_shape
from credit.grids.models import Grid, GridMember
from credit.places.boundaries import region_polygon


@pytest.fixture
def demo_grids(session, app_context):
    counts = load_demo_grids(session, seed=1)
    session.flush()
    return counts


def test_each_district_is_tiled_at_every_level(session, demo_grids):
    for district in DISTRICTS:
        outline = region_polygon(district.code)
        for level in (1, 2, 3):
            grids = session.scalars(
                select(Grid).where(Grid.region_code == district.code, Grid.level == level)
            ).all()
            assert grids and all(g.generated for g in grids)
            shapes = [grid_shape(g) for g in grids]
            union = unary_union(shapes)
            assert union.symmetric_difference(outline).area < outline.area * 1e-4
            assert sum(s.area for s in shapes) == pytest.approx(outline.area, rel=1e-4)


def test_levels_are_street_community_yard_with_real_street_names(session, demo_grids):
    names = set(session.scalars(select(Grid.name).where(Grid.level == 1)))
    assert {"张掖路街道", "西园街道", "培黎街道"} <= names
    assert session.scalar(select(func.count()).where(Grid.level == 4)) == 0
    child = session.scalar(select(Grid).where(Grid.level == 3).limit(1))
    parent = session.get(Grid, child.parent_id)
    assert parent.level == 2 and child.region_code == parent.region_code
    assert grid_shape(parent).buffer(1e-7).contains(grid_shape(child))


def test_every_yard_has_a_team_of_six(session, demo_grids):
    yards = session.scalar(select(func.count()).where(Grid.level == 3))
    assert demo_grids.members == yards * len(TEAM)
    roles = Counter(session.scalars(select(GridMember.role)))
    assert roles == {role: yards * n for role, n in Counter(TEAM).items()}
    assert (
        session.scalar(
            select(func.count()).where(
                GridMember.grid_id.in_(select(Grid.id).where(Grid.level < 3))
            )
        )
        == 0
    )


def test_a_point_in_chengguan_lands_in_a_yard_of_chengguan(session, demo_grids):
    grid = grid_at(session, 103.8343, 36.0611)  # 兰州 city centre, 城关区
    assert grid is not None and grid.level == 3 and grid.region_code == "620102"


def test_a_second_load_adds_nothing(session, demo_grids):
    assert load_demo_grids(session, seed=1).grids == 0
