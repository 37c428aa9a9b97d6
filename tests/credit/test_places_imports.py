"""Enterprise imports: the region from the coordinates, GCJ-02 columns, contradicted codes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from credit.places.crs import wgs84_to_gcj02
from credit.places.models import PlaceMismatch
from credit.records.importing import import_rows
from credit.records.models import Enterprise
from tests.factories import make_uscc

HEAD = ("uscc", "name", "region_code", "industry_code", "latitude", "longitude", "crs")


def _rows(*lines):
    return [(n, dict(zip(HEAD, line, strict=True))) for n, line in enumerate(lines, start=2)]


def _import(session, *lines):
    return import_rows(session, "enterprises", _rows(*lines))


def _ent(session, uscc):
    return session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


def test_an_enterprise_with_only_coordinates_gets_their_county(app_context, session):
    uscc = make_uscc(1)
    result = _import(session, (uscc, "兰州坐标化工有限公司", "", "C26", "36.0611", "103.8343", ""))
    assert result.errors == []
    assert _ent(session, uscc).region_code == "620102"


def test_gcj02_columns_are_stored_as_wgs84(app_context, session):
    uscc = make_uscc(2)
    lon, lat = wgs84_to_gcj02(103.8343, 36.0611)
    line = (uscc, "兰州火星化工有限公司", "", "C26", f"{lat:.6f}", f"{lon:.6f}", "gcj02")
    assert _import(session, line).errors == []
    ent = _ent(session, uscc)
    assert ent.region_code == "620102"
    assert abs(ent.latitude - Decimal("36.0611")) < Decimal("0.000002")


def test_neither_code_nor_coordinates_in_china_is_a_row_error(app_context, session):
    result = _import(
        session,
        (make_uscc(3), "无处化工有限公司", "", "C26", "", "", ""),
        (make_uscc(4), "海上化工有限公司", "", "C26", "30.0", "125.0", ""),
        (make_uscc(5), "火星坐标有限公司", "", "C26", "36", "103.8", "bd09"),
    )
    assert sorted((e.row, e.column) for e in result.errors) == [
        (2, "region_code"),
        (3, "region_code"),
        (4, "crs"),
    ]


def test_a_contradicted_code_is_kept_and_flagged_then_cleared_when_fixed(app_context, session):
    uscc = make_uscc(6)
    wrong = (uscc, "兰州西固化工有限公司", "620102", "C26", "36.1000", "103.6300", "")
    assert _import(session, wrong).errors == []
    ent = _ent(session, uscc)
    assert ent.region_code == "620102"
    (flag,) = session.scalars(select(PlaceMismatch)).all()
    assert (flag.entity, flag.entity_id, flag.given_code, flag.coordinates_code) == (
        "enterprise",
        ent.id,
        "620102",
        "620104",
    )
    fixed = (uscc, "兰州西固化工有限公司", "620104", "C26", "36.1000", "103.6300", "")
    assert _import(session, fixed).errors == []
    assert session.scalars(select(PlaceMismatch)).all() == []


@pytest.mark.parametrize("code", ["620100", "620000"])
def test_a_code_containing_the_coordinates_agrees(app_context, session, code):
    line = (make_uscc(7), "兰州合规化工有限公司", code, "C26", "36.1000", "103.6300", "")
    assert _import(session, line).errors == []
    assert session.scalars(select(PlaceMismatch)).all() == []
