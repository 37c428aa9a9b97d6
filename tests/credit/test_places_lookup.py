"""place_point: a point (WGS-84 or GCJ-02) → its county, or "outside China"."""

from __future__ import annotations

import pytest

from core.errors import Invalid, NotFound
from credit.places.crs import wgs84_to_gcj02
from credit.places.lookup import place_point


def test_a_point_is_placed_in_its_county(session):
    placed = place_point(session, 36.0611, 103.8343)
    assert (placed.region_code, placed.region_name) == ("620102", "城关区")


def test_a_gcj02_point_is_placed_and_returned_in_wgs84(session):
    lon, lat = wgs84_to_gcj02(87.6168, 43.7928)
    placed = place_point(session, lat, lon, crs="gcj02")
    assert placed.region_code == "650102"
    assert (placed.lon, placed.lat) == pytest.approx((87.6168, 43.7928), abs=1e-5)


def test_a_point_outside_china_is_not_found(session):
    with pytest.raises(NotFound):
        place_point(session, 48.85, 2.35)


@pytest.mark.parametrize(
    ("lat", "lon", "crs"), [(91, 100, "wgs84"), (36, float("nan"), "wgs84"), (36, 103, "bd09")]
)
def test_bad_coordinates_or_crs_are_invalid(session, lat, lon, crs):
    with pytest.raises(Invalid):
        place_point(session, lat, lon, crs)
