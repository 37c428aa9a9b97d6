"""`records import --kind sources`: the ledger's import — placing, linking, row errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.changelog import ChangeLog
from credit.places.crs import wgs84_to_gcj02
from credit.places.models import PlaceMismatch
from credit.sources.models import PointSource
from credit.sources.placing import grids_at
from tests.factories import create_enterprise, create_grid

HEADER = "code,name,type,latitude,longitude,address,region_code,uscc,crs\n"
# 城关区 (620102), inside the test grid's box; 七里河区 (620103) further west
CHENGGUAN = (36.05, 103.85)


def _import(runner, tmp_path, content, name="s.csv"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return runner.invoke(args=["records", "import", "--kind", "sources", str(path)])


def _sources(session) -> dict[str, PointSource]:
    session.rollback()  # the CLI committed in its own session
    return {s.code: s for s in session.scalars(select(PointSource))}


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def linked(session):
    ent = create_enterprise(session)
    grid = create_grid(session, "CG-01", box=(103.80, 36.03, 103.90, 36.10))
    session.commit()
    return ent, grid


def test_import_places_links_and_is_idempotent(runner, session, tmp_path, linked):
    ent, grid = linked
    lat, lon = CHENGGUAN
    content = HEADER + (
        f"JN-0001,城关区中心工地,建筑工地,{lat},{lon},兰州市城关区某路,,,\n"
        f"JN-0002,华源化工锅炉房,boiler,{lat},{lon},,620100,{ent.uscc.lower()},wgs84\n"
        f"JN-0003,黄河边煤场,coal_depot,36.2,104.5,,620102,,\n"
    )
    changes = _count(session, ChangeLog)
    result = _import(runner, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    got = _sources(session)
    site, boiler, depot = got["JN-0001"], got["JN-0002"], got["JN-0003"]
    assert site.type == "construction_site" and site.region_code == "620102"  # from coordinates
    assert site.grid_id == grid.id and depot.grid_id is None  # outside every grid
    assert boiler.enterprise_id == ent.id and boiler.region_code == "620100"  # given: kept
    assert site.latitude == Decimal("36.05") and site.longitude == Decimal("103.85")
    # regulator data: audited, never in the public change log
    assert _count(session, ChangeLog) == changes
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "records.import").order_by(AuditEvent.seq)
    ).all()[-1]
    assert event.detail["kind"] == "sources" and event.detail["created"] == 3
    again = _import(runner, tmp_path, content)
    assert "3 unchanged" in again.output, again.output
    edited = content.replace("黄河边煤场", "黄河北岸煤场")
    assert "1 updated, 2 unchanged" in _import(runner, tmp_path, edited).output
    assert _sources(session)["JN-0003"].name == "黄河北岸煤场"


def test_gcj02_coordinates_are_stored_as_wgs84(runner, session, tmp_path):
    lat, lon = CHENGGUAN
    glon, glat = wgs84_to_gcj02(lon, lat)
    content = HEADER + f"G1,高德取点餐馆,餐饮,{glat:.8f},{glon:.8f},,,,GCJ02\n"
    result = _import(runner, tmp_path, content)
    assert result.exit_code == 0, result.output
    source = _sources(session)["G1"]
    assert abs(float(source.latitude) - lat) < 2e-6 and abs(float(source.longitude) - lon) < 2e-6
    assert abs(glon - lon) > 1e-3  # the shift is real (hundreds of metres), not a no-op
    assert source.region_code == "620102"


def test_a_given_region_that_disagrees_with_the_coordinates_is_kept_and_flagged(
    runner, session, tmp_path
):
    lat, lon = CHENGGUAN
    content = HEADER + f"M1,错填地区的餐馆,restaurant,{lat},{lon},,411302,,\n"
    assert _import(runner, tmp_path, content).exit_code == 0
    source = _sources(session)["M1"]
    assert source.region_code == "411302"
    flags = session.scalars(select(PlaceMismatch)).all()
    assert [(f.entity, f.entity_id, f.given_code, f.coordinates_code) for f in flags] == [
        ("source", source.id, "411302", "620102")
    ]
    assert (flags[0].latitude, flags[0].longitude) == (Decimal("36.05"), Decimal("103.85"))
    assert flags[0].resolved_at is None


def test_an_unchanged_reimport_leaves_the_flag_and_a_corrected_one_clears_it(
    runner, session, tmp_path
):
    lat, lon = CHENGGUAN
    wrong = HEADER + f"M1,错填地区的餐馆,restaurant,{lat},{lon},,411302,,\n"
    _import(runner, tmp_path, wrong)
    assert "1 unchanged" in _import(runner, tmp_path, wrong).output
    assert _count(session, PlaceMismatch) == 1
    moved = wrong.replace(",411302,", ",411303,")  # still wrong: the one open flag is updated
    assert "1 updated" in _import(runner, tmp_path, moved).output
    session.rollback()
    assert [m.given_code for m in session.scalars(select(PlaceMismatch))] == ["411303"]
    corrected = wrong.replace(",411302,", ",620102,")
    assert "1 updated" in _import(runner, tmp_path, corrected).output
    assert _count(session, PlaceMismatch) == 0


def test_agreeing_and_derived_regions_are_not_flagged(runner, session, tmp_path):
    lat, lon = CHENGGUAN
    content = HEADER + (
        f"A1,所填为地级市的餐馆,restaurant,{lat},{lon},,620100,,\n"
        f"A2,未填地区的餐馆,restaurant,{lat},{lon},,,,\n"
    )
    assert _import(runner, tmp_path, content).exit_code == 0
    assert _count(session, PlaceMismatch) == 0


def test_a_boundary_county_our_table_lacks_is_placed_in_its_prefecture(runner, session, tmp_path):
    # cnmaps' 海西州直辖 632825 (大柴旦) is not in GB/T 2260: the tip-offs' rule, 632800
    content = HEADER + (
        "H1,大柴旦煤场,coal_depot,37.85,95.36,,,,\nH2,错填煤场,煤场,37.85,95.36,,620102,,\n"
    )
    result = _import(runner, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert _sources(session)["H1"].region_code == "632800"
    assert [m.coordinates_code for m in session.scalars(select(PlaceMismatch))] == ["632800"]


def test_json_lines_import(runner, session, tmp_path):
    lat, lon = CHENGGUAN
    row = {"code": "J1", "name": "小作坊", "type": "小作坊", "latitude": lat, "longitude": lon}
    result = _import(runner, tmp_path, json.dumps(row, ensure_ascii=False) + "\n", "s.jsonl")
    assert result.exit_code == 0, result.output
    assert _sources(session)["J1"].type == "workshop"


def test_xlsx_import(runner, session, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["X1", "锅炉", "boiler", CHENGGUAN[0], CHENGGUAN[1], None, "620102", None, None])
    book.save(tmp_path / "s.xlsx")
    result = runner.invoke(
        args=["records", "import", "--kind", "sources", str(tmp_path / "s.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert _sources(session)["X1"].type == "boiler"


ROW_ERRORS = [
    (",无编号,restaurant,36.05,103.85,,,,", "code", "必填"),
    ("E1,,restaurant,36.05,103.85,,,,", "name", "必填"),
    ("E1,名称,factory,36.05,103.85,,,,", "type", "construction_site|restaurant"),
    ("E1,名称,restaurant,,103.85,,,,", "latitude", "必填"),
    ("E1,名称,restaurant,96,103.85,,,,", "latitude", "-90"),
    ("E1,名称,restaurant,36.05,东经103度,,,,", "longitude", "不是数字"),
    ("E1,名称,restaurant,36.05,103.85,,999999,,", "region_code", "GB/T 2260"),
    ("E1,名称,restaurant,1.0,-30.0,,,,", "region_code", "region_code"),  # the Atlantic
    ("E1,名称,restaurant,36.05,103.85,,,91620100MA0000000X,", "uscc", ""),
    ("E1,名称,restaurant,36.05,103.85,,,91350100M000100Y43,", "uscc", "请先导入企业"),
    ("E1,名称,restaurant,36.05,103.85,,,,bd09", "crs", "wgs84|gcj02"),
    ("E1,名称\x0b,restaurant,36.05,103.85,,,,", "name", "控制字符"),
]


@pytest.mark.parametrize(("row", "column", "reason"), ROW_ERRORS)
def test_each_row_error_names_row_and_column_and_nothing_is_stored(
    runner, session, tmp_path, row, column, reason
):
    good = "OK1,好的一行,restaurant,36.05,103.85,,,,\n"
    result = _import(runner, tmp_path, HEADER + good + row + "\n")
    assert result.exit_code == 1
    assert f"row 3, column {column}" in result.output, result.output
    assert reason in result.output
    assert "nothing was stored" in result.output
    assert _count(session, PointSource) == 0


def test_bulk_grid_placing_agrees_with_grid_at(session):
    import random

    from credit.grids.lookup import grid_at

    street = create_grid(session, "S1", box=(103.80, 36.00, 103.90, 36.10))
    west = create_grid(session, "S1-W", box=(103.80, 36.00, 103.85, 36.10), parent=street)
    create_grid(session, "S1-W-Y", box=(103.80, 36.00, 103.85, 36.05), parent=west)
    create_grid(session, "S1-E", box=(103.85, 36.00, 103.90, 36.10), parent=street)
    create_grid(session, "S2", box=(103.90, 36.00, 104.00, 36.10))
    rng = random.Random(7)
    points = [(rng.uniform(103.75, 104.05), rng.uniform(35.95, 36.15)) for _ in range(400)]
    points += [(103.85, 36.05), (103.90, 36.02), (103.80, 36.00)]  # shared edges and corners
    expected = [(g.id if (g := grid_at(session, lon, lat)) else None) for lon, lat in points]
    assert grids_at(session, points) == expected
    assert any(expected) and None in expected
