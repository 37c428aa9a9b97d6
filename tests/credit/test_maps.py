"""Maps: projection and simplification, the layers of a region's and a grid's map, the SVG."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from defusedxml import ElementTree

from core.errors import NotFound
from credit.grids.models import Grid
from credit.maps import areas
from credit.maps.composing import grid_map, map_summary, region_map
from credit.maps.geometry import contains, fit, polygons_of, ring_path, simplify
from credit.maps.layers import MARKS
from credit.maps.svg import SHAPES, map_svg
from credit.ratings.levels import LEVELS, UNRATED
from credit.supervision.creation import CaseInput, create_case
from credit.tipoffs.filing import TipOffInput, file_tipoff
from tests.factories import (
    add_grid_member,
    create_enterprise,
    create_rating,
    create_regulator,
    create_source,
    make_uscc,
)

SVG = "{http://www.w3.org/2000/svg}"
#: 兰州市城关区, around its centre
CENTRE = (103.83, 36.06)


def _square(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _grid(session, code: str, geometry: dict, *, level: int = 1, parent=None, region="620102"):
    polygons = polygons_of(geometry)
    xs = [x for ring in polygons for x, _ in ring[0]]
    ys = [y for ring in polygons for _, y in ring[0]]
    grid = Grid(
        code=code,
        name=f"网格{code}",
        level=level,
        parent_id=parent.id if parent else None,
        region_code=region,
        geometry=json.dumps(geometry),
        min_lon=min(xs),
        min_lat=min(ys),
        max_lon=max(xs),
        max_lat=max(ys),
    )
    session.add(grid)
    session.flush()
    return grid


@pytest.fixture(autouse=True)
def _fresh_cache():
    areas.clear_cache()
    yield
    areas.clear_cache()


def _district(session, per_level: int = 2):
    """Enterprises of every level (and unrated) at distinct points of 城关区."""
    made = []
    n = 0
    for level in (*LEVELS, None):
        for _ in range(per_level):
            n += 1
            ent = create_enterprise(
                session,
                uscc=make_uscc(900 + n, "620102"),
                region_code="620102",
                longitude=Decimal(f"{CENTRE[0] + 0.004 * n:.6f}"),
                latitude=Decimal(f"{CENTRE[1] + 0.003 * (n % 5):.6f}"),
            )
            if level:
                create_rating(session, ent, level)
            made.append((ent, level or UNRATED))
    return made


def _svg(found):
    text = map_svg(found.area, found.layers, "zh-CN", "地图", map_summary(found.layers), "t")
    return text, ElementTree.fromstring(text)


def test_fit_keeps_the_box_inside_the_view_with_cos_latitude_scaling():
    view = fit((103.0, 36.0, 104.0, 37.0))
    for lon, lat in ((103.0, 36.0), (104.0, 37.0), (103.5, 36.5)):
        x, y = view.project(lon, lat)
        assert view.inside(x, y)
    # a degree of longitude at 36.5° is cos(36.5°) of a degree of latitude
    assert view.kx / view.scale == pytest.approx(math.cos(math.radians(36.5)))
    # north is up
    assert view.project(103.5, 37.0)[1] < view.project(103.5, 36.0)[1]


def test_simplification_keeps_an_outline_within_half_a_unit_and_small():
    circle = [
        (
            103.5 + 0.5 * math.cos(t / 2000 * 2 * math.pi),
            36.5 + 0.5 * math.sin(t / 2000 * 2 * math.pi),
        )
        for t in range(2001)
    ]
    view = fit((103.0, 36.0, 104.0, 37.0))
    projected = [view.project(*p) for p in circle]
    kept = simplify(projected, 0.5)
    assert 10 < len(kept) < 200
    path = ring_path(circle, view)
    assert path.startswith("M") and path.endswith("Z")
    assert path.count("L") < 200


def test_contains_respects_holes_and_multipolygons():
    outer = [(0, 0), (10, 0), (10, 10), (0, 10)]
    hole = [(4, 4), (6, 4), (6, 6), (4, 6)]
    other = [(20, 0), (22, 0), (22, 2), (20, 2)]
    polygons = [[outer, hole], [other]]
    assert contains(polygons, 1, 1)
    assert not contains(polygons, 5, 5)
    assert contains(polygons, 21, 1)
    assert not contains(polygons, 15, 5)


def test_polygons_of_reads_text_mappings_and_rejects_other_geometry():
    square = _square(0, 0, 1, 1)
    assert polygons_of(json.dumps(square)) == polygons_of(square)
    assert (
        len(polygons_of({"type": "MultiPolygon", "coordinates": [square["coordinates"]] * 2})) == 2
    )
    assert polygons_of({"type": "Point", "coordinates": [0, 0]}) == []
    assert polygons_of("not json") == []


@pytest.fixture
def no_boundaries(monkeypatch):
    """As before credit.places: no administrative boundary for any region."""
    monkeypatch.setattr(areas, "boundaries_module", lambda: None)


def test_region_map_draws_one_symbol_per_listed_enterprise_inside_the_view(session):
    made = _district(session)
    found = region_map(session, "620102")
    assert found.area is not None and found.area.source == "boundary"  # credit.places
    layer = found.layers[0]
    assert layer.key == "enterprises"
    assert len(layer.symbols) == len(made)
    _, root = _svg(found)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    uses = root.findall(f".//{SVG}g[@class='layer layer-enterprises']/{SVG}use")
    assert len(uses) == len(layer.symbols)
    for use in uses:
        assert 0 <= float(use.get("x")) <= width and 0 <= float(use.get("y")) <= height
        assert use.find(f"{SVG}title").text
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "t-title t-desc"


def test_each_level_has_its_own_shape_class_and_legend_entry(session):
    made = _district(session, per_level=1)
    found = region_map(session, "620102")
    _, root = _svg(found)
    uses = root.findall(f".//{SVG}g[@class='layer layer-enterprises']/{SVG}use")
    by_class = {u.get("class"): u.get("href") for u in uses}
    shapes = set()
    for _, level in made:
        mark = MARKS[level]
        assert by_class[mark.css] == f"#t-{mark.shape}"
        shapes.add(mark.shape)
    assert len(shapes) == len(LEVELS) + 1, "a shape per level: colour is not the only signal"
    assert {s for s in shapes} <= set(SHAPES)
    legend = {e.mark: e.count for e in found.layers[0].legend}
    assert legend == {level: 1 for level in (*LEVELS, UNRATED)}


def test_enterprises_without_coordinates_are_counted_not_drawn(session):
    _district(session, per_level=1)
    create_enterprise(session, uscc=make_uscc(990, "620102"), region_code="620102")
    layer = region_map(session, "620102").layers[0]
    assert len(layer.symbols) == len(LEVELS) + 1
    assert layer.note is not None and "1" in layer.note.zh


def test_public_tipoffs_are_drawn_at_rounded_coordinates_only(session, app_context):
    _district(session, per_level=1)
    filed = file_tipoff(
        session,
        TipOffInput(
            category="air",
            description="夜里烟囱冒黑烟，我家就在厂后面三号楼。",
            location="厂区东墙外",
            latitude="36.061234",
            longitude="103.834567",
            region_code="620102",
            anonymous=False,
            reporter_name="李四",
            reporter_phone="13800000000",
        ),
    )
    found = region_map(session, "620102")
    layer = next(layer for layer in found.layers if layer.key == "tipoffs")
    [symbol] = layer.symbols
    assert (symbol.lat, symbol.lon) == (36.061, 103.835)
    assert symbol.name == filed.tipoff.tracking_code
    text, _ = _svg(found)
    cells = " ".join(str(c) for c in symbol.cells)
    for secret in ("36.061234", "103.834567", "李四", "13800000000", "三号楼", "东墙"):
        assert secret not in text and secret not in cells


def test_without_boundaries_the_view_is_the_box_of_the_enterprises(session, no_boundaries):
    made = _district(session)
    found = region_map(session, "620102")
    assert found.area is not None and found.area.source == "points" and not found.area.outline
    assert len(found.layers[0].symbols) == len(made)


def test_the_boundary_outline_is_simplified_to_a_small_path(session):
    found = region_map(session, "620103")  # 七里河区, no enterprises: the outline alone
    assert found.area is not None and found.area.source == "boundary"
    assert 50 < found.area.outline.count("L") < 3000
    assert found.layers[0].symbols == []


def test_a_region_with_grids_draws_them_and_a_new_grid_redraws(session, no_boundaries):
    _grid(session, "G1", _square(103.80, 36.03, 103.84, 36.07))
    first = region_map(session, "620102").area
    assert first is not None and first.source == "grids"
    assert [g.code for g in first.grids] == ["G1"]
    assert region_map(session, "620102").area is first, "the projected outline is cached"
    _grid(session, "G2", _square(103.84, 36.03, 103.88, 36.07))
    again = region_map(session, "620102").area
    assert [g.code for g in again.grids] == ["G1", "G2"]
    _, root = _svg(region_map(session, "620102"))
    assert len(root.findall(f"{SVG}path[@class='map-grid']")) == 2


def test_boundary_polygons_are_used_when_the_places_package_provides_them(session, monkeypatch):
    class Boundaries:  # as credit.places.boundaries answers, for a square county
        @staticmethod
        def region_bbox(code):
            return (103.7, 36.0, 103.9, 36.1)

        @staticmethod
        def region_polygon(code):
            return _square(103.7, 36.0, 103.9, 36.1)

    monkeypatch.setattr(areas, "boundaries_module", lambda: Boundaries)
    area = region_map(session, "620102").area
    assert area is not None and area.source == "boundary" and area.outline.startswith("M")


def test_public_layers_are_cached_until_the_regions_data_changes(session, app_context):
    made = _district(session, per_level=1)

    def same(a, b):
        return all(x is y for x, y in zip(a, b, strict=True))

    first = region_map(session, "620102").layers
    assert same(region_map(session, "620102").layers, first)
    create_enterprise(session, uscc=make_uscc(991, "110101"), region_code="110101")
    assert same(region_map(session, "620102").layers, first), "a write elsewhere keeps the map"
    ent, _ = made[-1]  # unrated so far
    create_rating(session, ent, "red")
    again = region_map(session, "620102").layers
    assert again[0] is not first[0], "the enterprise layer is rebuilt"
    assert again[1] is first[1], "the tip-off layer is kept"
    assert {s.ref[1]: s.mark for s in again[0].symbols}[ent.uscc] == "red"
    file_tipoff(
        session,
        TipOffInput(
            category="noise",
            description="工地夜间施工噪声扰民。",
            location="某地",
            latitude=str(CENTRE[1]),
            longitude=str(CENTRE[0]),
            region_code="620102",
        ),
    )
    latest = region_map(session, "620102").layers
    assert latest[0] is again[0] and latest[1] is not again[1]
    assert len(latest[1].symbols) == 1


@pytest.mark.parametrize("code", ["999999", "620199", "abc", "６２０１０２", "中文地区", "6" * 500])
def test_unknown_or_malformed_region_is_not_found(session, code):
    with pytest.raises(NotFound):
        region_map(session, code)


def test_no_region_offers_the_provinces_with_enterprises(session):
    _district(session, per_level=1)
    found = region_map(session, "")
    assert found.region is None and found.area is None
    assert [c.code for c in found.choices] == ["620000"]


def test_grid_map_selects_points_inside_the_grid_polygon(session, app_context):
    made = _district(session, per_level=1)
    # a triangle: its box holds every enterprise, the polygon only those west of the diagonal
    west, east = CENTRE[0], CENTRE[0] + 0.004 * (len(made) + 1)
    south, north = CENTRE[1] - 0.001, CENTRE[1] + 0.013
    triangle = {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [west, north], [west, south]]],
    }
    grid = _grid(session, "T1", triangle)
    child = _grid(
        session, "T1-1", _square(west, south, west + 0.01, south + 0.005), level=2, parent=grid
    )
    user = create_regulator(session, "maps@example.cn", "620100")
    found = grid_map(session, user, "T1")
    inside = {
        e.uscc
        for e, _ in made
        if contains(polygons_of(triangle), float(e.longitude), float(e.latitude))
    }
    assert 0 < len(inside) < len(made)
    assert {s.ref[1] for s in found.layers[0].symbols} == inside
    assert [g.code for g in found.choices] == [child.code]
    assert [g.code for g in found.area.grids] == [child.code]


def test_grid_map_shows_open_tipoffs_by_class_and_age(session, app_context):
    grid = _grid(session, "C1", _square(103.80, 36.03, 103.86, 36.08))
    filed = file_tipoff(
        session,
        TipOffInput(
            category="water",
            description="河道里有一根暗管排放污水。",
            location="河边",
            latitude="36.05",
            longitude="103.83",
            region_code="620102",
        ),
    )
    filed.tipoff.severity = "major"
    session.flush()
    user = create_regulator(session, "maps2@example.cn", "620100")
    layer = next(x for x in grid_map(session, user, grid.code).layers if x.key == "open-tipoffs")
    [symbol] = layer.symbols
    assert symbol.mark == "class-major"
    assert symbol.cells[2] == 0  # filed today
    assert MARKS["class-major"].letter == ("较", "M")


def test_grid_map_is_scoped_to_the_regulators_region(session):
    _grid(session, "S1", _square(103.80, 36.03, 103.84, 36.07))
    outsider = create_regulator(session, "beijing@example.cn", "110000")
    with pytest.raises(NotFound):  # out of scope is answered like a missing grid
        grid_map(session, outsider, "S1")
    with pytest.raises(NotFound):
        grid_map(session, outsider, "NOPE")
    assert grid_map(session, outsider, "").choices == []
    insider = create_regulator(session, "gansu@example.cn", "620000")
    assert [g.code for g in grid_map(session, insider, "").choices] == ["S1"]


def test_grid_map_of_a_grid_member_shows_only_their_subtree(session):
    top = _grid(session, "M1", _square(103.80, 36.03, 103.84, 36.07))
    child = _grid(session, "M1-1", _square(103.80, 36.03, 103.82, 36.05), level=2, parent=top)
    sibling = _grid(session, "M2", _square(103.84, 36.03, 103.88, 36.07))
    member = create_regulator(session, "member@example.cn", "620102")
    add_grid_member(session, child, member)
    assert [g.code for g in grid_map(session, member, "").choices] == ["M1-1"]
    assert grid_map(session, member, "M1-1").grid.code == "M1-1"
    for out_of_scope in ("M1", sibling.code):
        with pytest.raises(NotFound):
            grid_map(session, member, out_of_scope)


def test_regulator_grid_map_draws_open_cases_and_point_sources_of_the_subtree(session):
    top = _grid(session, "C1", _square(103.80, 36.03, 103.84, 36.07))
    child = _grid(session, "C1-1", _square(103.80, 36.03, 103.82, 36.05), level=2, parent=top)
    _grid(session, "C2", _square(103.84, 36.03, 103.88, 36.07))
    regulator = create_regulator(session, "lz@example.cn", "620102")
    inside = create_case(
        session,
        regulator,
        CaseInput(
            origin="regulator",
            case_class="major",
            description="工地扬尘未覆盖",
            latitude="36.04",
            longitude="103.81",
        ),
    )
    outside = create_case(
        session,
        regulator,
        CaseInput(
            origin="regulator",
            case_class="routine",
            description="餐馆油烟直排",
            latitude="36.05",
            longitude="103.86",
        ),
    )
    assert inside.grid_id == child.id and outside.grid_id != child.id
    create_source(session, "SRC-IN", grid_id=child.id)
    create_source(session, "SRC-OUT", grid_id=None)
    layers = {layer.key: layer for layer in grid_map(session, regulator, "C1").layers}
    assert [s.name for s in layers["cases"].symbols] == [inside.code]
    assert layers["cases"].symbols[0].mark == "case-major"
    assert [s.ref for s in layers["sources"].symbols] == [("source", "SRC-IN")]
