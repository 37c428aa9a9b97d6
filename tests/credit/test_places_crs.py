"""WGS-84 ↔ GCJ-02: the published forward transform and its iterative inverse."""

from __future__ import annotations

import pytest

from credit.places.crs import (
    CRS_NAMES,
    distance_m,
    gcj02_to_wgs84,
    gcj02_to_wgs84_array,
    to_wgs84,
    wgs84_to_gcj02,
)


def test_the_forward_transform_matches_the_published_shanghai_value():
    lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    assert lon == pytest.approx(121.531541859215, abs=1e-7)
    assert lat == pytest.approx(31.17530398364597, abs=1e-7)


def test_the_shift_in_china_is_hundreds_of_metres():
    lon, lat = wgs84_to_gcj02(103.8343, 36.0611)  # 兰州
    assert 100 < distance_m(103.8343, 36.0611, lon, lat) < 1000


@pytest.mark.parametrize("lon", [x / 2 for x in range(148, 270, 7)])
@pytest.mark.parametrize("lat", [y / 2 for y in range(38, 108, 7)])
def test_a_round_trip_over_china_is_within_a_metre(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m(lon, lat, *back) < 1.0
    fwd = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert distance_m(lon, lat, *fwd) < 1.0


def test_the_array_inverse_equals_the_point_inverse():
    points = [(103.8343, 36.0611), (116.3975, 39.9087), (87.6168, 43.7928), (2.35, 48.85)]
    converted = gcj02_to_wgs84_array(points)
    for (lon, lat), (alon, alat) in zip(points, converted, strict=True):
        assert (alon, alat) == pytest.approx(gcj02_to_wgs84(lon, lat), abs=1e-9)


def test_outside_china_gcj02_equals_wgs84():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)


def test_to_wgs84_converts_gcj02_and_names_the_accepted_values_otherwise():
    assert CRS_NAMES == ("wgs84", "gcj02")
    assert to_wgs84(103.8, 36.0) == (103.8, 36.0)
    assert to_wgs84(*wgs84_to_gcj02(103.8, 36.0), "GCJ02") == pytest.approx((103.8, 36.0))
    with pytest.raises(ValueError, match="wgs84, gcj02"):
        to_wgs84(103.8, 36.0, "bd09")
