"""GET /api/v1/places/reverse and /search: 200, 400 for bad input, 404 outside China."""

from __future__ import annotations

import pytest

from credit.places.crs import wgs84_to_gcj02


def test_reverse_outside_every_grid_gives_the_county_and_a_null_grid(client):
    response = client.get("/api/v1/places/reverse?lat=36.0611&long=103.8343")
    assert response.status_code == 200
    assert response.get_json() == {"region": {"code": "620102", "name": "城关区"}, "grid": None}


def _import_street_with_a_community(session):
    from credit.grids.importing import import_grids

    def square(west, south, size):
        ring = [[west, south], [west + size, south], [west + size, south + size]]
        return {"type": "Polygon", "coordinates": [[*ring, [west, south + size], [west, south]]]}

    def feature(code, name, geometry, level=1, parent=None):
        properties = {"code": code, "name": name, "level": level, "parent_code": parent}
        properties["region_code"] = "620102"
        return {"type": "Feature", "properties": properties, "geometry": geometry}

    features = [
        feature("ZY", "张掖路街道", square(103.82, 36.05, 0.02)),
        feature("ZY-01", "金塔巷社区", square(103.83, 36.055, 0.01), 2, "ZY"),
    ]
    result = import_grids(session, {"type": "FeatureCollection", "features": features}, "t", "t")
    assert not result.errors and result.created == 2
    session.commit()


def test_reverse_gives_the_deepest_imported_grid_containing_the_point(client, session):
    _import_street_with_a_community(session)
    body = client.get("/api/v1/places/reverse?lat=36.0611&long=103.8343").get_json()
    assert body == {
        "region": {"code": "620102", "name": "城关区"},
        "grid": {"code": "ZY-01", "name": "金塔巷社区"},
    }
    street = client.get("/api/v1/places/reverse?lat=36.052&long=103.822").get_json()
    assert street["grid"] == {"code": "ZY", "name": "张掖路街道"}
    outside = client.get("/api/v1/places/reverse?lat=36.08&long=103.8343").get_json()
    assert outside["region"]["code"] == "620102" and outside["grid"] is None


def test_reverse_places_a_gcj02_point_in_its_wgs84_grid(client, session):
    _import_street_with_a_community(session)
    # 103.839 E is 0.001° inside the community's eastern edge in WGS-84; AMap draws the point
    # some 0.0024° further east, so read as WGS-84 it lies outside every grid
    lon, lat = wgs84_to_gcj02(103.839, 36.06)
    assert lon > 103.84
    body = client.get(f"/api/v1/places/reverse?lat={lat}&long={lon}&crs=gcj02").get_json()
    assert body["grid"] == {"code": "ZY-01", "name": "金塔巷社区"}
    unconverted = client.get(f"/api/v1/places/reverse?lat={lat}&long={lon}").get_json()
    assert unconverted["grid"] is None


def test_reverse_takes_gcj02_when_told(client):
    lon, lat = wgs84_to_gcj02(116.3975, 39.9087)
    body = client.get(f"/api/v1/places/reverse?lat={lat}&long={lon}&crs=gcj02").get_json()
    assert body["region"] == {"code": "110101", "name": "东城区"}


def test_reverse_outside_china_is_a_404_problem(client):
    response = client.get("/api/v1/places/reverse?lat=48.85&long=2.35")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "中国" in response.get_json()["title"] + response.get_json().get("detail", "")


@pytest.mark.parametrize(
    "query",
    [
        "lat=abc&long=103.8",
        "lat=36&long=",
        "lat=91&long=103.8",
        "lat=36&long=-181",
        "lat=nan&long=103.8",
        "lat=36&long=inf",
        "lat=36&long=103.8&crs=bd09",
        "lat=三十六&long=103.8",
        "long=103.8",
    ],
)
def test_reverse_with_bad_numbers_is_a_400_problem(client, query):
    response = client.get("/api/v1/places/reverse?" + query)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


def test_search_finds_an_address(client):
    body = client.get("/api/v1/places/search?q=甘肃兰州城关区张掖路").get_json()
    assert body["status"] == "found"
    assert body["candidates"] == [
        {"code": "620102", "name": "城关区", "level": 3, "full_name": "甘肃省兰州市城关区"}
    ]


def test_search_says_ambiguous_and_not_found(client):
    ambiguous = client.get("/api/v1/places/search?q=朝阳区").get_json()
    assert ambiguous["status"] == "ambiguous" and len(ambiguous["candidates"]) == 2
    decided = client.get("/api/v1/places/search?q=朝阳区&context=220100").get_json()
    assert decided["candidates"][0]["code"] == "220104"
    nothing = client.get("/api/v1/places/search?q=黄河边").get_json()
    assert nothing == {"status": "not_found", "candidates": []}


@pytest.mark.parametrize("query", ["", "q=", "q=" + "路" * 301, "q=x&context=abc"])
def test_search_with_bad_input_is_a_400_problem(client, query):
    assert client.get("/api/v1/places/search?" + query).status_code == 400


def test_a_tipoff_filed_through_the_api_with_only_gcj02_coordinates_gets_the_county(
    client, session
):
    from credit.tipoffs.models import TipOff

    lon, lat = wgs84_to_gcj02(103.63, 36.1)  # 兰州 西固区, as AMap shows it
    body = {
        "category": "water",
        "description": "河道排污口持续排放发黑污水",
        "location": "河边排污口",
        "latitude": lat,
        "longitude": lon,
        "crs": "gcj02",
        "anonymous": True,
    }
    created = client.post("/api/v1/tipoffs", json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    session.rollback()
    tipoff = (
        session.query(TipOff).filter_by(tracking_code=created.get_json()["tracking_code"]).one()
    )
    assert tipoff.region_code == "620104"
    assert float(tipoff.latitude) == pytest.approx(36.1, abs=2e-6)


def test_a_tipoff_with_an_unknown_crs_is_refused(client):
    body = {
        "category": "water",
        "description": "河道排污口持续排放发黑污水",
        "location": "河边排污口",
        "latitude": 36.1,
        "longitude": 103.63,
        "crs": "bd09",
        "anonymous": True,
    }
    response = client.post("/api/v1/tipoffs", json=body)
    assert response.status_code == 422 and "crs" in str(response.get_json()["errors"])
