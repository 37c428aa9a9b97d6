"""End to end: a tip-off filed with coordinates only — no region code, no address naming one —
through the portal form, the JSON API and Open311 lands in its county and its grid and waits
in that grid member's case queue (/regulator/cases), and in no sibling member's.

The grids come from a GeoJSON import (``credit.grids.importing``, as ``flask grids import``
runs it). Open311 is spoken over real HTTP to the app on a loopback werkzeug server: the PyPI
``georeport`` client (0.3.1) has calls only for reading, so the request is POSTed with
``requests`` (the library the client itself uses) and read back through the client.
"""

from __future__ import annotations

import re

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import select

from credit.grids.importing import import_grids
from credit.grids.models import Grid
from credit.places.crs import wgs84_to_gcj02
from credit.supervision.models import SupervisionCase
from credit.tipoffs.models import TipOff
from tests.api.serving import serve
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.factories import add_grid_member

DESCRIPTION = "排污口持续排放发黑污水，河面有油花，气味刺鼻。"
#: no region in the text: only the coordinates can place these reports
LOCATION = "河边排污口"


def _square(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(code: str, name: str, box: tuple, level: int = 1, parent: str | None = None):
    properties = {"code": code, "name": name, "level": level, "parent_code": parent}
    return {
        "type": "Feature",
        "properties": {**properties, "region_code": "620102"},
        "geometry": _square(*box),
    }


@pytest.fixture
def grids(session):
    """A 城关区 street with a west and an east community, a member in each."""
    features = [
        _feature("E2E-S", "张掖路街道", (103.82, 36.05, 103.86, 36.07)),
        _feature("E2E-S-W", "金塔巷社区", (103.82, 36.05, 103.84, 36.07), 2, "E2E-S"),
        _feature("E2E-S-E", "永昌路社区", (103.84, 36.05, 103.86, 36.07), 2, "E2E-S"),
    ]
    collection = {"type": "FeatureCollection", "features": features}
    assert import_grids(session, collection, "test", "file:e2e.geojson").errors == []
    session.commit()
    by_code = {g.code: g for g in session.scalars(select(Grid))}
    officer = make_regulator(session, "west@example.cn", "620102")
    sibling = make_regulator(session, "east@example.cn", "620102")
    add_grid_member(session, by_code["E2E-S-W"], officer, "officer")
    add_grid_member(session, by_code["E2E-S-E"], sibling, "officer")
    session.commit()
    return by_code


@pytest.fixture
def open311(app, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # nothing may leave loopback
    with serve(app) as root:
        yield f"{root}/open311/v2"


def _by_form(client) -> str:
    data = {
        "csrf_token": csrf_token(client, "/tipoffs/new"),
        "category": "water",
        "description": DESCRIPTION,
        "location": LOCATION,
        "latitude": "36.058",
        "longitude": "103.83",
        "identity": "anonymous",
        "website": "",
    }
    posted = client.post("/tipoffs/new", data=data, content_type="multipart/form-data")
    assert posted.status_code == 303, posted.get_data(as_text=True)[:2000]
    receipt = client.get(posted.headers["Location"]).get_data(as_text=True)
    return re.search(r"JB-[0-9A-Z]{5}-[0-9A-Z]{5}", receipt).group(0)


def _by_api(client) -> str:
    # as AMap shows the point: read as WGS-84 it would lie in the east community
    lon, lat = wgs84_to_gcj02(103.838, 36.06)
    assert lon > 103.84
    body = {"category": "water", "description": DESCRIPTION, "location": LOCATION}
    body |= {"latitude": lat, "longitude": lon, "crs": "gcj02", "anonymous": True}
    created = client.post("/api/v1/tipoffs", json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.get_json()["tracking_code"]


def _by_open311(base: str) -> str:
    data = {"service_code": "water", "description": DESCRIPTION, "lat": "36.066", "long": "103.825"}
    created = requests.post(f"{base}/requests.json", data=data, timeout=10)
    assert created.status_code == 201, created.text
    code = created.json()[0]["service_request_id"]
    read = GeoReport(base, output_format="json").get_service_request(code)
    assert read["service_request_id"] == code and "城关区" in read["address"]
    return code


def test_coordinates_only_reports_from_every_channel_reach_the_grid_members_queue(
    client, session, grids, open311
):
    codes = {
        "form": _by_form(client),
        "api": _by_api(client),
        "open311": _by_open311(open311),
    }
    session.rollback()  # see what the requests committed
    west = grids["E2E-S-W"]
    cases = {}
    for channel, code in codes.items():
        tipoff = session.scalar(select(TipOff).where(TipOff.tracking_code == code))
        assert (tipoff.region_code, tipoff.placement) == ("620102", "placed"), channel
        case = session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
        assert case is not None, f"{channel}: no case opened at filing"
        assert (case.grid_id, case.handling_grid_id, case.status) == (west.id, west.id, "found")
        assert case.region_code == "620102", channel
        cases[channel] = case.code

    login(client, "west@example.cn")
    queue = client.get("/regulator/cases").get_data(as_text=True)
    assert all(code in queue for code in cases.values()), (cases, queue[:3000])
    assert client.get(f"/regulator/cases/{cases['open311']}").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token(client, "/regulator/cases")})
    login(client, "east@example.cn")
    other = client.get("/regulator/cases").get_data(as_text=True)
    assert not any(code in other for code in cases.values())
    assert client.get(f"/regulator/cases/{cases['form']}").status_code == 403
