"""Conformance: the PyPI ``georeport`` client (0.3.1) against a real server on 127.0.0.1.

Every endpoint in JSON and XML. The client has no call for POST or tokens: those use
``requests`` to the same loopback server. Two client quirks are worked around here, not in
the server: in XML it returns a dict instead of a list when there is one request, and it
crashes (``TypeError``) on an empty ``<service_requests/>`` (xmltodict turns it into None),
so empty XML lists are read with defusedxml instead.
"""

from __future__ import annotations

import threading
from typing import Any

import defusedxml.ElementTree as ET
import pytest
import requests
from georeport import GeoReport
from werkzeug.serving import make_server

DESCRIPTION = "河面漂浮大量死鱼，气味刺鼻难闻。"


@pytest.fixture
def server(app, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # nothing may leave loopback
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}/open311/v2"
    srv.shutdown()
    thread.join(5)


def _as_list(value: Any) -> list[dict[str, Any]]:
    """xmltodict gives one element as a dict, several as a list (client quirk)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _post(base: str, fmt: str, **fields: str) -> requests.Response:
    data = {
        "service_code": "water",
        "description": DESCRIPTION,
        "lat": "36.061234",
        "long": "103.834567",
        "address_string": "兰州市城关区张掖路",
        "email": "a@example.org",
        "first_name": "三",
        "last_name": "张",
        **fields,
    }
    return requests.post(f"{base}/requests.{fmt}", data=data, timeout=10)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_every_endpoint(server, fmt):
    client = GeoReport(server, output_format=fmt)
    services = _as_list(client.get_service_list())
    assert {s["service_code"] for s in services} >= {"air", "water"}
    assert {str(s["metadata"]).lower() for s in services} == {"true"}
    definition = client.get_service_definition("water")
    codes = [
        a["code"]
        for a in _as_list(
            definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"]
        )
    ]
    assert codes == ["region_code", "enterprise_uscc"]

    created = _post(server, fmt)
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    if fmt == "xml":
        answer = ET.fromstring(created.content).find("request")
        code, token = answer.findtext("service_request_id"), answer.findtext("token")
    else:
        code, token = created.json()[0]["service_request_id"], created.json()[0]["token"]

    one = client.get_service_request(code)
    assert one["service_request_id"] == code and one["status"] == "open"
    assert one["service_name"] == next(
        s["service_name"] for s in services if s["service_code"] == "water"
    )
    listed = _as_list(client.get_service_requests())
    assert code in {r["service_request_id"] for r in listed}
    by_id = _as_list(client.get_service_requests(service_request_id=code))
    assert [r["service_request_id"] for r in by_id] == [code]
    past = {
        "service_code": "water",
        "status": "open",
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": "2026-03-01T00:00:00Z",
    }
    if fmt == "json":
        assert client.get_service_requests(**past) == []
    else:  # the client crashes on an empty XML list (module docstring): read it directly
        raw = requests.get(f"{server}/requests.xml", params=past, timeout=10)
        assert raw.status_code == 200 and list(ET.fromstring(raw.content)) == []
    tokens = requests.get(f"{server}/tokens/{token}.{fmt}", timeout=10)
    assert tokens.status_code == 200 and code in tokens.text


def test_georeport_client_xml_crashes_on_an_empty_list_which_is_well_formed(server):
    """The client bug the partner review hit; the server's answer itself is correct."""
    client = GeoReport(server, output_format="xml")
    with pytest.raises(TypeError):
        client.get_service_requests(status="closed")
    raw = requests.get(f"{server}/requests.xml?status=closed", timeout=10)
    root = ET.fromstring(raw.content)
    assert raw.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert root.tag == "service_requests" and list(root) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_gets_open311_errors(server, fmt):
    client = GeoReport(server, output_format=fmt)
    for call in (
        lambda: client.get_service_definition("moon"),
        lambda: client.get_service_request("JB-22222-22222"),
        lambda: client.get_service_requests(
            start_date="2026-01-01T00:00:00Z", end_date="2026-12-01T00:00:00Z"
        ),
    ):
        with pytest.raises(requests.HTTPError) as caught:
            call()
        response = caught.value.response
        if fmt == "xml":
            assert ET.fromstring(response.content).tag == "errors"
        else:
            assert {"code", "description"} == set(response.json()[0])
    refused = _post(server, fmt, service_code="")
    assert refused.status_code == 400 and "service_code" in refused.text


def test_a_request_with_only_coordinates_is_placed_in_their_county(server, session):
    """GeoReport v2 with lat/long and nothing else about the place: 西固区, not triage."""
    data = {"service_code": "water", "description": DESCRIPTION, "lat": "36.1", "long": "103.63"}
    created = requests.post(f"{server}/requests.json", data=data, timeout=10)
    assert created.status_code == 201, created.text
    code = created.json()[0]["service_request_id"]
    assert "triaged" not in created.json()[0].get("service_notice", "")
    one = GeoReport(server, output_format="json").get_service_request(code)
    assert one["service_request_id"] == code and "西固区" in one["address"]
    from credit.tipoffs.models import TipOff

    session.rollback()
    tipoff = session.query(TipOff).filter_by(tracking_code=code).one()
    assert (tipoff.region_code, tipoff.placement) == ("620104", "placed")
