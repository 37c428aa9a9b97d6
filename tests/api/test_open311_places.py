"""Open311 with real places: spec-only requests (lat/long alone, address_string alone) through
the PyPI ``georeport`` client on a loopback server, and requests.json's geographic filters
(lat, long, radius in metres; bbox) on the public, rounded coordinates."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import select

from credit.tipoffs.models import TipOff
from tests.api.serving import serve

DESCRIPTION = "河面漂浮大量死鱼，气味刺鼻难闻。"


@pytest.fixture
def base(app, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # nothing may leave loopback
    with serve(app) as root:
        yield f"{root}/open311/v2"


def _post(base: str, **fields: str) -> requests.Response:
    return requests.post(
        f"{base}/requests.json",
        data={"service_code": "water", "description": DESCRIPTION, **fields},
        timeout=10,
    )


def _stored(session, code: str) -> TipOff:
    session.expire_all()
    return session.scalar(select(TipOff).where(TipOff.tracking_code == code))


def test_only_lat_and_long_is_accepted_and_placed_in_its_county(base, session):
    created = _post(base, lat="36.061234", long="103.834567")
    assert created.status_code == 201, created.text
    code = created.json()[0]["service_request_id"]
    stored = _stored(session, code)
    assert (stored.latitude, stored.longitude) == (Decimal("36.061234"), Decimal("103.834567"))
    assert stored.region_code == "620102" and stored.placement == "placed"  # 兰州 城关区
    one = GeoReport(base).get_service_request(code)
    assert (one["lat"], one["long"]) == (36.061, 103.835)  # public: rounded


def test_only_address_string_is_accepted_and_placed_by_it(base, session):
    created = _post(base, address_string="兰州市城关区张掖路 12 号")
    assert created.status_code == 201, created.text
    stored = _stored(session, created.json()[0]["service_request_id"])
    assert stored.location == "兰州市城关区张掖路 12 号"
    assert stored.region_code == "620102" and stored.placement == "placed"
    assert stored.latitude is None


def test_contact_fields_alone_file_in_the_reporters_name(base, session):
    created = _post(
        base, lat="36.06", long="103.83", first_name="三", last_name="张", phone="13912345678"
    )
    assert created.status_code == 201
    stored = _stored(session, created.json()[0]["service_request_id"])
    assert stored.anonymous is False


def test_neither_coordinates_nor_address_is_refused(base):
    refused = _post(base)
    assert refused.status_code == 400 and "address_string" in refused.text


def _codes(client, query: str) -> list[str]:
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["service_request_id"] for r in response.get_json()]


@pytest.fixture
def placed(client):
    made = {}
    for name, lat, lon in (
        ("centre", "36.061234", "103.834567"),
        ("near", "36.069000", "103.834567"),
        ("far", "36.161234", "103.834567"),
    ):
        answer = client.post(
            "/open311/v2/requests.json",
            data={"service_code": "air", "description": DESCRIPTION, "lat": lat, "long": lon},
        )
        assert answer.status_code == 201
        made[name] = answer.get_json()[0]["service_request_id"]
    return made


def test_radius_in_metres_filters_on_the_rounded_coordinates(client, placed):
    assert _codes(client, "lat=36.061&long=103.835&radius=10") == [placed["centre"]]
    assert set(_codes(client, "lat=36.061&long=103.835&radius=1000")) == {
        placed["centre"],
        placed["near"],
    }
    # the stored, unrounded point is not what the filter sees
    assert _codes(client, "lat=36.061234&long=103.834567&radius=1") == []


def test_bbox_filters_and_combines_with_status(client, placed):
    box = "103.83,36.05,103.84,36.07"
    assert set(_codes(client, f"bbox={box}")) == {placed["centre"], placed["near"]}
    assert set(_codes(client, f"bbox={box}&status=open")) == {placed["centre"], placed["near"]}
    assert _codes(client, f"bbox={box}&status=closed") == []


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("lat=36.06", "long"),
        ("lat=36&long=103&radius=60000", "radius"),
        ("lat=36&long=103&radius=十米", "radius"),
        ("radius=100", "radius"),
        ("bbox=1,2,3", "bbox"),
        ("lat=北纬&long=103", "lat"),
    ],
)
def test_bad_geographic_filters_are_400_naming_the_field(client, query, name):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    assert response.get_json()[0]["description"].startswith(name) or name in response.text
