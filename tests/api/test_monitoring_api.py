"""/api/v1 monitoring: stations, outlets, an enterprise's outlets and hourly series (JSON,
CSV, NDJSON), keyset paged; 400 problems for bad periods, 404 for unknown MNs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from tests.factories import create_enterprise
from tests.monitoring.devices import add_hours, create_outlet, create_station

DAY = dt.date(2026, 10, 8)


@pytest.fixture
def network(session):
    ent = create_enterprise(session)
    create_outlet(session, ent, "OUT001", {"a21026": 50.0})
    add_hours(session, "OUT001", "a21026", DAY, [30.0, 60.0, (90.0, "M")] + [20.0] * 21)
    add_hours(session, "OUT001", "a21002", DAY, [100.0] * 24)
    create_station(session, "ST0001")
    add_hours(session, "ST0001", "a34004", DAY, [35.0] * 24)
    session.commit()
    return ent


def test_outlet_readings_page_through_the_day_with_link_next(client, network):
    url = f"/api/v1/outlets/OUT001/readings?from={DAY}&to={DAY}&limit=20"
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        items += body["items"]
        link = response.headers.get("Link")
        assert (link is None) == (body["next_after"] is None)
        url = link[1 : link.index(">")].removeprefix("http://localhost") if link else None
    assert len(items) == 48
    second = items[3]  # a21002 sorts before a21026
    assert second["time"] == "2026-10-08T01:00:00+08:00" and second["pollutant"] == "a21026"
    assert second["exceeds"] is True and second["limit"] == 50.0 and second["valid"] is True
    maintenance = items[5]
    assert maintenance["flag"] == "M" and not maintenance["valid"] and not maintenance["exceeds"]


def test_pollutant_filter_and_csv_and_ndjson(client, network):
    base = f"/api/v1/outlets/OUT001/readings?from={DAY}&to={DAY}&pollutant=A21026"
    as_json = client.get(base).get_json()["items"]
    assert len(as_json) == 24 and {i["pollutant"] for i in as_json} == {"a21026"}
    response = client.get(base, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv" and "Accept" in response.headers["Vary"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 24
    assert rows[1] | {"time": ""} == {
        "mn": "OUT001",
        "time": "",
        "pollutant": "a21026",
        "value": "60.0",
        "min": "",
        "max": "",
        "flag": "N",
        "valid": "true",
        "limit": "50.0",
        "exceeds": "true",
        "total": "",
    }
    lines = client.get(base + "&format=ndjson").get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == as_json


def test_station_endpoints(client, network):
    listing = client.get("/api/v1/stations?region=6201").get_json()
    assert [s["mn"] for s in listing["items"]] == ["ST0001"] and listing["next_after"] is None
    station = client.get("/api/v1/stations/ST0001").get_json()
    assert station["kind"] == "micro" and station["grid_code"] is None
    readings = client.get(f"/api/v1/stations/ST0001/readings?from={DAY}&to={DAY}").get_json()
    assert len(readings["items"]) == 24 and readings["items"][0]["exceeds"] is None


def test_outlet_and_enterprise_outlets_never_show_a_password(client, network):
    outlet = client.get("/api/v1/outlets/OUT001")
    assert outlet.get_json()["enterprise_uscc"] == network.uscc
    assert outlet.get_json()["limits"] == {"a21026": 50.0}
    listed = client.get(f"/api/v1/enterprises/{network.uscc.lower()}/outlets")
    assert [o["mn"] for o in listed.get_json()["items"]] == ["OUT001"]
    for response in (outlet, listed, client.get("/api/v1/stations/ST0001")):
        text = response.get_data(as_text=True)
        assert "password" not in text and "not-a-real-hash" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/outlets/NOPE",
        "/api/v1/outlets/NOPE/readings",
        "/api/v1/outlets/ST0001/readings",  # a station is not an outlet
        "/api/v1/stations/OUT001",
        "/api/v1/stations/OUT001/readings",
        "/api/v1/stations/%E4%B8%AD",
        "/api/v1/enterprises/91620100000000001X/outlets",
        "/api/v1/stations?grid=NO-SUCH",
    ],
)
def test_unknown_things_are_404_problems(client, network, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01",
        "from=yesterday",
        "from=0001-01-01",
        "to=9999-12-31",
        "from=2026-10-05&to=2026-10-01",
        "from=2024-01-01&to=2026-01-01",
        "pollutant=SO2",
        "after=abc",
        "limit=0",
        "limit=100000",
        "format=xml",
        "from=%E4%B8%AD",
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter(client, network, query):
    response = client.get(f"/api/v1/outlets/OUT001/readings?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]


def test_bad_station_filters_are_400(client, network):
    for query in ("region=abc", "kind=big", "after=%3B", "limit=9999"):
        assert client.get(f"/api/v1/stations?{query}").status_code == 400, query
