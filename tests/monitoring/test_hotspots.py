"""Hotspot grids (热点网格): the ranking of a hand-computed city, the margin, the city-mean
choice, the grid level, periods, cases opened once with their suspects, upwind sources."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.changelog import ChangeLog
from core.errors import BadRequest, NotFound
from core.reference import Region
from credit.kinds import snapshots
from credit.monitoring.hotspot_cases import angle_between, mean_wind_from, rank_hotspots
from credit.monitoring.hotspot_models import HotspotCase, HotspotSuspect
from credit.monitoring.hotspot_store import hotspot_ranking
from credit.monitoring.hotspots import (
    MethodFileError,
    compute_ranking,
    load_method,
    parse_method,
    parse_period,
)
from credit.monitoring.storage import store_readings
from credit.supervision.models import SupervisionCase
from tests.factories import create_enterprise, create_grid, create_source
from tests.monitoring.hotspot_city import DAY, START, build_city, hours, station

LATER = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _ranking(session, **changes):
    method = dataclasses.replace(load_method(), **changes)
    period = parse_period(None, DAY)
    return compute_ranking(session, session.get(Region, "620100"), period, LATER, method)


def _table(ranking):
    return [(c.code, round(c.means["a34004"], 2), c.hotspot) for c in ranking.cells]


def test_cells_are_ranked_by_their_complete_stations_mean(session):
    build_city(session)
    ranking = _ranking(session)
    assert ranking.hours == 24
    assert round(ranking.city_means["a34004"], 3) == round(280 / 6, 3)
    assert ranking.city_complete["a34004"] == 6  # B2 is incomplete, W1 in another city
    assert round(ranking.threshold, 3) == 56.0
    assert _table(ranking) == [
        ("HS-A", 70.0, True),
        ("HS-D", 50.0, False),
        ("HS-B", 40.0, False),
        ("HS-C", 20.0, False),
    ]
    cell_a, cell_b = ranking.cells[0], ranking.cells[2]
    assert cell_a.means["a34002"] == 120.0 and "a34002" not in ranking.cells[1].means
    assert cell_a.stations == 2 and cell_b.stations == 2
    assert ranking.cells[2].complete["a34004"] == 1  # B1 only
    assert ranking.stations == 7  # the city's stations, with or without data


def test_the_margin_decides_what_is_a_hotspot(session):
    build_city(session)
    no_margin = _ranking(session, margin=0.0)
    assert [c.code for c in no_margin.cells if c.hotspot] == ["HS-A", "HS-D"]
    # 70 ≥ 46.67 × 1.5 = 70 exactly: still a hotspot; a hair more margin and it is not
    assert [c.code for c in _ranking(session, margin=0.5).cells if c.hotspot] == ["HS-A"]
    assert not any(c.hotspot for c in _ranking(session, margin=0.51).cells)


def test_city_mean_of_the_cells(session):
    build_city(session)
    ranking = _ranking(session, city_mean="cells")
    assert ranking.city_means["a34004"] == pytest.approx((70 + 50 + 40 + 20) / 4)


def test_completeness_threshold(session):
    build_city(session)
    # at 70 %, 17 of 24 hours (70.8 %) is enough: B2 joins, B becomes (40 + 200) / 2 = 120
    ranking = _ranking(session, completeness=0.70)
    assert _table(ranking)[0] == ("HS-B", 120.0, True)


def test_a_configured_grid_level_ranks_the_ancestor(session):
    city = build_city(session)
    child = create_grid(
        session, "HS-A-1", box=(103.81, 36.03, 103.82, 36.05), parent=city["grids"]["A"]
    )
    city["a2"].grid_id = child.id
    session.commit()
    leaf = _ranking(session)
    assert [(c.code, c.means["a34004"]) for c in leaf.cells[:2]] == [
        ("HS-A", 80.0),
        ("HS-A-1", 60.0),
    ]
    level1 = _ranking(session, grid_level=1)
    assert _table(level1)[0] == ("HS-A", 70.0, True) and len(level1.cells) == 4


def test_periods_are_china_days_and_months():
    day = parse_period("2026-11", "2026-11-05")
    assert day.start == START and day.end - day.start == dt.timedelta(hours=24)
    month = parse_period("2026-02")
    assert month.start == dt.datetime(2026, 1, 31, 16, tzinfo=dt.UTC)
    assert month.hours_until(LATER) == 28 * 24
    assert month.hours_until(dt.datetime(2026, 2, 1, 16, 30, tzinfo=dt.UTC)) == 25
    for bad in (
        ("2026-13", None),
        ("2026-1", None),
        ("", None),
        ("2026-11", "2026-12-01"),
        ("9999-12", None),
        (None, "9999-12-31"),
        ("1969-12", None),
    ):
        with pytest.raises(BadRequest):
            parse_period(*bad)
    with pytest.raises(BadRequest):
        parse_period(None, "2026-02-30")


def test_bad_method_files_are_refused():
    good = {
        "version": "x",
        "pollutants": ["a34004"],
        "completeness": 0.75,
        "margin": 0.2,
        "city_mean": "stations",
        "grid_level": 0,
        "cases": {"top": 3, "case_class": "general", "max_suspects": 50},
        "suspects": {
            "radius_km": 1,
            "upwind_radius_km": 5,
            "upwind_sector_deg": 45,
            "calm_speed": 0.5,
            "wind_direction": "a01008",
            "wind_speed": "a01007",
        },
    }
    assert parse_method(good).margin == 0.2
    for key, value in (("margin", -1), ("completeness", 2), ("city_mean", "median")):
        with pytest.raises(MethodFileError, match=key):
            parse_method({**good, key: value})
    with pytest.raises(MethodFileError, match="case_class"):
        parse_method({**good, "cases": {**good["cases"], "case_class": "huge"}})


def test_mean_wind_is_a_vector_mean():
    assert mean_wind_from([(350, 2), (10, 2)], 0.5) == pytest.approx(0, abs=1e-6)
    assert mean_wind_from([(90, 3), (270, 3)], 0.5) is None  # they cancel out: calm
    assert mean_wind_from([], 0.5) is None
    assert angle_between(350, 10) == 20


def _suspects(session, case_id):
    link = session.scalar(select(HotspotCase).where(HotspotCase.case_id == case_id))
    rows = session.scalars(
        select(HotspotSuspect).where(HotspotSuspect.hotspot_case_id == link.id)
    ).all()
    return link, rows


def test_top_hotspot_opens_one_case_with_its_suspects(session, runner):
    city = build_city(session)
    grid_a = city["grids"]["A"]
    inside = create_source(
        session,
        "HS-S1",
        latitude=Decimal("36.045"),
        longitude=Decimal("103.812"),
        grid_id=grid_a.id,
    )
    nearby = create_source(
        session, "HS-S2", latitude=Decimal("36.04"), longitude=Decimal("103.7995")
    )
    upwind = create_source(session, "HS-S3", latitude=Decimal("36.04"), longitude=Decimal("103.78"))
    create_source(session, "HS-S4", latitude=Decimal("36.035"), longitude=Decimal("103.835"))
    ent = create_enterprise(session, latitude=Decimal("36.035"), longitude=Decimal("103.805"))
    # wind from the west (270°) at A1 for the whole day
    store_readings(
        session,
        [*hours("HSA1", [270.0] * 24, "a01008"), *hours("HSA1", [3.0] * 24, "a01007")],
    )
    session.commit()

    result = runner.invoke(args=["monitoring", "hotspots", "--city", "620100", "--day", DAY])
    assert result.exit_code == 0, result.output
    assert "1 cases opened" in result.output and "HS-A\t70.0\tHOTSPOT" in result.output
    session.rollback()
    case = session.scalar(select(SupervisionCase))
    assert case.origin == "monitoring" and case.grid_id == grid_a.id
    assert "70.0" in case.description and "46.7" in case.description
    link, rows = _suspects(session, case.id)
    assert link.wind_from_deg == pytest.approx(270)
    found = {(r.point_source_id, r.enterprise_id): r.reason for r in rows}
    assert found == {
        (inside.id, None): "in_cell",
        (None, ent.id): "in_cell",
        (nearby.id, None): "nearby",
        (upwind.id, None): "upwind",
    }
    assert inside.name in case.description and "上风向" in case.description

    # again: the ranking is replaced, no second case for the cell and day
    again = runner.invoke(args=["monitoring", "hotspots", "--city", "620100", "--day", DAY])
    assert again.exit_code == 0 and "0 cases opened" in again.output
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SupervisionCase)) == 1
    events = session.scalars(select(ChangeLog).where(ChangeLog.entity == "hotspot")).all()
    assert [e.entity_id for e in events] == ["620100:2026-11-05"] * 2


def test_without_wind_no_upwind_suspects(session):
    city = build_city(session)
    create_source(session, "HS-S3", latitude=Decimal("36.04"), longitude=Decimal("103.78"))
    session.commit()
    run = rank_hotspots(session, "620100", None, DAY, now=LATER)
    session.commit()
    link, rows = _suspects(session, run.cases[0].id)
    assert link.wind_from_deg is None and rows == []
    assert run.cases[0].grid_id == city["grids"]["A"].id
    assert "暂无登记的污染源或企业" in run.cases[0].description


def test_stored_ranking_is_the_public_snapshot(session):
    build_city(session)
    rank_hotspots(session, "620100", "2026-11", DAY, now=LATER)
    session.commit()
    shown = hotspot_ranking(session, "620100", "2026-11", DAY)
    assert shown["city_mean_pm25"] == 46.7 and shown["threshold_pm25"] == 56.0
    assert [(c["grid_code"], c["mean_pm25"], c["hotspot"]) for c in shown["cells"]][:2] == [
        ("HS-A", 70.0, True),
        ("HS-D", 50.0, False),
    ]
    assert shown["cells"][0]["mean_pm10"] == 120.0
    snap = snapshots(session, "hotspot", ["620100:2026-11-05"], dt.date(2026, 12, 1))
    assert snap["620100:2026-11-05"] == shown
    with pytest.raises(NotFound):
        hotspot_ranking(session, "620100", "2026-10")
    with pytest.raises(NotFound):
        hotspot_ranking(session, "999999", "2026-11")


def test_a_station_without_any_grid_leaves_no_cell(session):
    grid = create_grid(session, "HS-X", box=(103.80, 36.03, 103.82, 36.05))
    station(session, "HSX1", 36.04, 103.81, None)
    store_readings(session, hours("HSX1", [30.0] * 24))
    session.commit()
    ranking = _ranking(session)
    assert ranking.cells == [] and ranking.city_means["a34004"] == 30.0
    assert grid.id is not None
    assert rank_hotspots(session, "620100", None, DAY, now=LATER).cases == []
