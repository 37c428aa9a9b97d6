"""Generated cells: regular squares clipped to the outline, covering it without overlaps."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union
from sqlalchemy import select

from core.errors import Conflict, Invalid
from credit.grids.generating import generate_cells, square_cells
from credit.grids.lookup import grid_shape
from credit.grids.models import Grid
from tests.factories import create_grid

#: an L-shaped district about 9 × 9 km, so cells are clipped on the inner corner
L_SHAPE = {
    "type": "Polygon",
    "coordinates": [
        [
            [103.80, 36.00],
            [103.90, 36.00],
            [103.90, 36.04],
            [103.845, 36.04],
            [103.845, 36.08],
            [103.80, 36.08],
            [103.80, 36.00],
        ]
    ],
}


def _assert_tiling(outline, cells):
    union = unary_union(cells)
    assert union.symmetric_difference(outline).area < outline.area * 1e-9
    assert sum(c.area for c in cells) == pytest.approx(outline.area, rel=1e-9)
    for i, a in enumerate(cells):
        assert outline.buffer(1e-9).contains(a)
        for b in cells[i + 1 :]:
            assert a.intersection(b).area < 1e-12


def test_square_cells_tile_the_outline():
    outline = shape(L_SHAPE)
    cells = list(square_cells(outline, 1.0))
    _assert_tiling(outline, cells)
    # 1 km tall: 36.00…36.08 is 8.9 km, so 9 rows
    assert 50 < len(cells) < 90


def test_generate_under_a_parent_stores_generated_children(session):
    parent = create_grid(
        session, "CG", geometry=json.dumps(L_SHAPE), box=(103.8, 36.0, 103.9, 36.08)
    )
    cells = generate_cells(session, "620102", 2.0, "test", parent_code="CG")
    assert all(c.generated and c.level == 2 and c.parent_id == parent.id for c in cells)
    assert cells[0].code == "CG-001" and cells[0].name == "测试网格CG第1网格"
    _assert_tiling(grid_shape(parent), [grid_shape(c) for c in cells])
    stored = session.scalars(select(Grid).where(Grid.parent_id == parent.id)).all()
    assert len(stored) == len(cells)


def test_generate_twice_under_the_same_parent_is_refused(session):
    create_grid(session, "CG")
    generate_cells(session, "620102", 2.0, "test", parent_code="CG")
    with pytest.raises(Conflict):
        generate_cells(session, "620102", 2.0, "test", parent_code="CG")


@pytest.mark.parametrize(
    ("region", "km", "says"),
    [("620103", 1.0, "620102"), ("620102", 0.0, "公里"), ("629999", 1.0, "629999")],
)
def test_generate_refuses_bad_input(session, region, km, says):
    create_grid(session, "CG")
    with pytest.raises(Invalid) as info:
        generate_cells(session, region, km, "test", parent_code="CG")
    assert says in str(info.value)


def test_generate_command_reports_the_cells(runner, session):
    create_grid(session, "CG", box=(103.80, 36.00, 103.83, 36.03))
    session.commit()
    result = runner.invoke(
        args=["grids", "generate", "--region", "620102", "--cell-km", "1", "--parent", "CG"]
    )
    assert result.exit_code == 0, result.output
    assert "generated" in result.output
    session.rollback()
    assert len(session.scalars(select(Grid).where(Grid.generated.is_(True))).all()) > 4


def test_generate_command_over_a_region_boundary_tiles_it(runner, session, app_context):
    from credit.places.boundaries import region_polygon

    result = runner.invoke(args=["grids", "generate", "--region", "620105", "--cell-km", "4"])
    assert result.exit_code == 0, result.output
    session.rollback()
    cells = session.scalars(select(Grid).where(Grid.region_code == "620105")).all()
    assert cells and all(c.level == 1 and c.parent_id is None for c in cells)
    outline = region_polygon("620105")
    union = unary_union([grid_shape(c) for c in cells])
    assert union.symmetric_difference(outline).area < outline.area * 1e-4


def test_merged_slivers_still_tile_without_overlaps():
    from credit.grids.generating import KM_PER_DEGREE, merge_slivers

    outline = shape(L_SHAPE)
    cells = list(square_cells(outline, 3.0))
    full = (3.0 / KM_PER_DEGREE) ** 2 / 0.81
    merged = merge_slivers(cells, full, 0.5)
    assert len(merged) < len(cells)
    _assert_tiling(outline, merged)
