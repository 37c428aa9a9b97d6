"""Open311 GeoReport v2: services, filing a request, following it, JSON and XML, no leaks."""

from __future__ import annotations

import defusedxml.ElementTree as ET


def test_services_in_json_and_xml(client):
    services = client.get("/open311/v2/services.json").get_json()
    assert {s["service_code"] for s in services} >= {"air", "water", "noise"}
    root = ET.fromstring(client.get("/open311/v2/services.xml").data)
    assert root.tag == "services" and root.find("service/service_code") is not None


def test_file_and_follow_a_request_without_leaking_the_reporter(client):
    created = client.post("/open311/v2/requests.json", data={
        "service_code": "water", "description": "河面漂浮大量死鱼，气味刺鼻难闻。",
        "address_string": "兰州市西固区河滩", "lat": "36.1", "long": "103.7",
        "attribute[region_code]": "620100", "first_name": "秘密", "last_name": "举报人",
        "phone": "13912345678"})
    assert created.status_code == 201, created.get_data(as_text=True)
    code = created.get_json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{code}.json")
    assert one.get_json()[0]["status"] == "open"
    text = one.get_data(as_text=True) + client.get(
        f"/open311/v2/requests.xml?service_request_id={code}").get_data(as_text=True)
    assert code in text and "13912345678" not in text and "秘密" not in text
    assert client.get("/open311/v2/requests.json").get_json() == []  # no open listing


def test_bad_requests_get_open311_errors(client):
    bad = client.post("/open311/v2/requests.xml", data={"service_code": "moon"})
    assert bad.status_code == 400 and b"<errors>" in bad.data
    assert client.get("/open311/v2/requests/JB-NOPE.json").status_code == 404
    assert client.get("/open311/v2/tokens/abc.json").status_code == 404
