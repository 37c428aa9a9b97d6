"""GET /api/v1/enterprises?near=…&radius_km=… / ?bbox=…: distance order, paging, GeoJSON, 400s."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import create_enterprise

GEO = {"Accept": "application/geo+json"}


def _three(session):
    made = [
        create_enterprise(session, latitude=Decimal(lat), longitude=Decimal(lon))
        for lat, lon in (
            ("36.080000", "103.830000"),
            ("36.060000", "103.830000"),
            ("36.061000", "103.840000"),
        )
    ]
    create_enterprise(session, latitude=Decimal("39.900000"), longitude=Decimal("116.400000"))
    create_enterprise(session)  # no coordinates
    session.commit()
    return made


def test_near_lists_nearest_first_with_distance_and_pages(client, session):
    far, here, close = _three(session)
    first = client.get("/api/v1/enterprises?near=36.06,103.83&radius_km=5&limit=2")
    assert first.status_code == 200
    body = first.get_json()
    assert [i["uscc"] for i in body["items"]] == [here.uscc, close.uscc]
    assert body["items"][0]["distance_km"] == 0.0
    assert 0.8 < body["items"][1]["distance_km"] < 1.0
    link = first.headers["Link"]
    assert "near=36.06%2C103.83" in link and "radius_km=5" in link
    url = link[1 : link.index(">")].replace("http://localhost", "")
    second = client.get(url).get_json()
    assert [i["uscc"] for i in second["items"]] == [far.uscc] and second["next_after"] is None


def test_bbox_lists_the_box_in_uscc_order(client, session):
    _far, here, close = _three(session)
    body = client.get("/api/v1/enterprises?bbox=103.82,36.05,103.85,36.07").get_json()
    assert [i["uscc"] for i in body["items"]] == sorted([here.uscc, close.uscc])
    assert "distance_km" not in body["items"][0]


def test_geojson_is_an_rfc7946_feature_collection(client, session):
    _far, here, _close = _three(session)
    response = client.get("/api/v1/enterprises?near=36.06,103.83&radius_km=5", headers=GEO)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "Accept" in response.headers["Vary"]
    collection = response.get_json(force=True)
    assert collection["type"] == "FeatureCollection"
    first = collection["features"][0]
    assert first["type"] == "Feature" and first["id"] == here.uscc
    assert first["geometry"] == {"type": "Point", "coordinates": [103.83, 36.06]}  # [lon, lat]
    assert first["properties"]["uscc"] == here.uscc and "latitude" not in first["properties"]
    assert first["properties"]["distance_km"] == 0.0
    assert len(collection["features"]) == 3


def test_geojson_without_coordinates_has_a_null_geometry(client, session):
    create_enterprise(session)
    session.commit()
    collection = client.get("/api/v1/enterprises", headers=GEO).get_json(force=True)
    assert collection["features"][0]["geometry"] is None


def test_plain_accept_still_gets_json(client, session):
    _three(session)
    response = client.get("/api/v1/enterprises?near=36.06,103.83", headers={"Accept": "*/*"})
    assert response.mimetype == "application/json"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("near=36.06", "near"),
        ("near=abc,103", "near"),
        ("near=%E5%8C%97%E7%BA%AC36,103", "near"),
        ("near=36,103&radius_km=51", "radius_km"),
        ("near=36,103&radius_km=0", "radius_km"),
        ("radius_km=3", "radius_km"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=103,37,104,36", "bbox"),
        ("near=36,103&crs=bd09", "crs"),
    ],
)
def test_bad_place_is_a_400_problem_naming_the_parameter(client, query, param):
    response = client.get(f"/api/v1/enterprises?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert param in problem["errors"] and param in problem["detail"]


def test_radius_bound_is_stated(client):
    problem = client.get("/api/v1/enterprises?near=36,103&radius_km=80").get_json()
    assert "50" in problem["detail"]
