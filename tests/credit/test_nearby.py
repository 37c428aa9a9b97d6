"""附近的企业: near and bbox results equal a brute-force filter over every stored point."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import BadRequest
from credit.places.crs import wgs84_to_gcj02
from credit.records.listing import EnterpriseFilter
from credit.records.models import Enterprise
from credit.records.nearby import MAX_RADIUS_KM, circle_box, find_enterprises
from tests.factories import create_enterprise, create_rating

STEP = Decimal("0.000001")


def brute_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The reference: the haversine formula on the mean sphere, written out here."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h)) / 1000


def _all_pages(session, filters=EnterpriseFilter(), limit=7, **where):
    items, after = [], ""
    while True:
        page = find_enterprises(session, filters, after=after, limit=limit, **where)
        items += page.items
        if page.next_after is None:
            return items
        after = page.next_after


def _stored(session):
    rows = session.query(Enterprise.uscc, Enterprise.latitude, Enterprise.longitude)
    return [(u, float(a), float(o)) for u, a, o in rows if a is not None]


def _place(session, points):
    for lat, lon in points:
        create_enterprise(
            session,
            latitude=Decimal(lat).quantize(STEP),
            longitude=Decimal(lon).quantize(STEP),
        )


LAT = st.floats(-89.5, 89.5)
LON = st.floats(-180, 180)
OFFSET = st.floats(-1.0, 1.0)


def _wrap(lon: float) -> float:
    return (lon + 180) % 360 - 180 if not -180 <= lon <= 180 else lon


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    centre=st.tuples(LAT, LON),
    radius=st.floats(0.01, MAX_RADIUS_KM),
    offsets=st.lists(st.tuples(OFFSET, OFFSET), max_size=25),
    far=st.lists(st.tuples(LAT, LON), max_size=5),
)
def test_near_equals_brute_force_in_distance_order(session, centre, radius, offsets, far):
    lat0, lon0 = centre
    nested = session.begin_nested()
    try:
        points = [(max(-90, min(90, lat0 + a)), _wrap(lon0 + b)) for a, b in offsets] + far
        _place(session, points)
        got = _all_pages(session, near=f"{lat0},{lon0}", radius_km=str(radius))
        expected = sorted(
            (brute_km(lat0, lon0, a, o), u)
            for u, a, o in _stored(session)
            if brute_km(lat0, lon0, a, o) <= radius
        )
        assert [i["uscc"] for i in got] == [u for _, u in expected]
        assert [i["distance_km"] for i in got] == [round(d, 3) for d, _ in expected]
    finally:
        nested.rollback()


def _in_box(lat, lon, w, s, e, n):
    return s <= lat <= n and (w <= lon <= e if w <= e else (lon >= w or lon <= e))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    corner=st.tuples(st.floats(-89, 88), st.floats(-180, 180)),
    size=st.tuples(st.floats(0.001, 1.0), st.floats(0.001, 2.0)),
    offsets=st.lists(st.tuples(st.floats(-0.5, 1.5), st.floats(-0.5, 2.5)), max_size=25),
)
def test_bbox_equals_brute_force_in_uscc_order(session, corner, size, offsets):
    s, w = corner
    n, e = s + size[0], _wrap(w + size[1])
    nested = session.begin_nested()
    try:
        _place(session, [(min(90, s + a), _wrap(w + b)) for a, b in offsets])
        got = _all_pages(session, bbox=f"{w},{s},{e},{n}")
        stored = _stored(session)
        expected = sorted(u for u, a, o in stored if _in_box(a, o, w, s, e, n))
        assert [i["uscc"] for i in got] == expected
    finally:
        nested.rollback()


def test_near_combines_with_level_and_name_filters(session):
    here = create_enterprise(
        session, latitude=Decimal("36.060000"), longitude=Decimal("103.830000")
    )
    create_rating(session, here, level="green")
    other = create_enterprise(
        session, latitude=Decimal("36.061000"), longitude=Decimal("103.831000")
    )
    create_rating(session, other, level="red")
    create_enterprise(session, latitude=Decimal("36.500000"), longitude=Decimal("103.830000"))
    got = find_enterprises(
        session, EnterpriseFilter(level="green"), near="36.06,103.83", radius_km="2"
    )
    assert [i["uscc"] for i in got.items] == [here.uscc]
    assert got.items[0]["distance_km"] == 0.0 and got.items[0]["level"] == "green"
    both = find_enterprises(session, EnterpriseFilter(), near="36.06,103.83", radius_km="2")
    assert [i["uscc"] for i in both.items] == [here.uscc, other.uscc]


def test_gcj02_point_is_converted_before_the_search(session):
    ent = create_enterprise(session, latitude=Decimal("36.060000"), longitude=Decimal("103.830000"))
    gcj_lon, gcj_lat = wgs84_to_gcj02(103.83, 36.06)
    # the GCJ-02 point is some 500 m away in WGS-84 terms: 0.1 km finds it only when converted
    assert (
        find_enterprises(
            session, EnterpriseFilter(), near=f"{gcj_lat},{gcj_lon}", radius_km="0.1"
        ).items
        == []
    )
    found = find_enterprises(
        session, EnterpriseFilter(), near=f"{gcj_lat},{gcj_lon}", radius_km="0.1", crs="GCJ02"
    )
    assert [i["uscc"] for i in found.items] == [ent.uscc]


@pytest.mark.parametrize(
    ("where", "param"),
    [
        ({"near": "36.06"}, "near"),
        ({"near": "36.06,103.83,1"}, "near"),
        ({"near": "北纬36,东经103"}, "near"),
        ({"near": "nan,103"}, "near"),
        ({"near": "inf,103"}, "near"),
        ({"near": "91,103"}, "near"),
        ({"near": "36,181"}, "near"),
        ({"near": "36,103", "radius_km": "0"}, "radius_km"),
        ({"near": "36,103", "radius_km": "50.001"}, "radius_km"),
        ({"near": "36,103", "radius_km": "-1"}, "radius_km"),
        ({"near": "36,103", "radius_km": "五"}, "radius_km"),
        ({"radius_km": "5"}, "radius_km"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "103,37,104,36"}, "bbox"),
        ({"bbox": "103,36,104,91"}, "bbox"),
        ({"bbox": "103,36,190,37"}, "bbox"),
        ({"near": "36,103", "crs": "bd09"}, "crs"),
        ({"near": "36,103", "after": "91620100000000001X"}, "after"),
    ],
)
def test_unreadable_places_are_bad_requests_naming_the_parameter(session, where, param):
    where = dict(where)  # the parameter is shared by the SQLite and PostgreSQL runs
    after = where.pop("after", "")
    with pytest.raises(BadRequest) as caught:
        find_enterprises(session, EnterpriseFilter(), after=after, **where)
    assert list(caught.value.errors) == [param]
    assert caught.value.status == 400


def test_circle_box_holds_the_circle_near_a_pole_and_across_180():
    polar = circle_box(89.9, 10.0, 50)
    assert (polar.west, polar.east) == (-180.0, 180.0)
    wrapped = circle_box(0.0, 179.99, 10)
    assert wrapped.west > wrapped.east  # crosses the antimeridian
    assert wrapped.contains(0.0, -179.99) and not wrapped.contains(0.0, 0.0)
