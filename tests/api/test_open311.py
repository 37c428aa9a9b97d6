"""Open311 GeoReport v2: services, spec-only filing, the public listing, look-ups, tokens."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as ET
from sqlalchemy import select

from credit.tipoffs.models import TipOff

REPORTER = {
    "first_name": "秘密",
    "last_name": "举报人",
    "phone": "13912345678",
    "email": "canary-open311@example.org",
}
DESCRIPTION = "河面漂浮大量死鱼，气味刺鼻难闻，就在我家店铺后面。"


def file(client, fmt: str = "json", **fields):
    """POST a spec-only request (form-encoded body) and return the response."""
    data = {
        "service_code": "water",
        "description": DESCRIPTION,
        "address_string": "兰州市城关区张掖路 12 号",
        "lat": "36.061234",
        "long": "103.834567",
    }
    data.update(fields)
    return client.post(
        f"/open311/v2/requests.{fmt}", data={k: v for k, v in data.items() if v is not None}
    )


def test_services_say_metadata_true_and_their_definition_lists_the_attributes(client):
    services = client.get("/open311/v2/services.json").get_json()
    assert {s["service_code"] for s in services} >= {"air", "water", "noise"}
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in services)
    definition = client.get("/open311/v2/services/water.json").get_json()
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert definition["service_code"] == "water" and set(attributes) == {
        "region_code",
        "enterprise_uscc",
    }
    assert all(
        a["required"] is False and a["datatype"] == "string" and a["variable"]
        for a in attributes.values()
    )
    root = ET.fromstring(client.get("/open311/v2/services/water.xml").data)
    assert root.tag == "service_definition"
    assert [e.text for e in root.findall("attributes/attribute/code")] == [
        "region_code",
        "enterprise_uscc",
    ]
    assert root.find("attributes/attribute/required").text == "false"
    assert (
        ET.fromstring(client.get("/open311/v2/services.xml").data).find("service/metadata").text
        == "true"
    )


def test_spec_only_post_is_filed_in_the_region_its_address_names(client, session):
    created = file(client, **REPORTER)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()[0]
    assert body["token"] == body["service_request_id"] and body["secret"]
    tipoff = session.scalar(
        select(TipOff).where(TipOff.tracking_code == body["service_request_id"])
    )
    assert tipoff.region_code == "620102" and tipoff.placement == "placed"
    assert tipoff.source == "open311" and tipoff.anonymous is False
    assert tipoff.reporter_name == "举报人 秘密" and tipoff.reporter_phone == "13912345678"


def test_coordinates_only_post_is_placed_in_the_county_they_lie_in(client, session):
    created = file(client, address_string=None)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()[0]
    tipoff = session.scalar(
        select(TipOff).where(TipOff.tracking_code == body["service_request_id"])
    )
    assert tipoff.placement == "placed" and tipoff.region_code == "620102"


def test_coordinates_in_no_county_are_filed_unplaced_for_triage(client, session):
    created = file(client, address_string=None, lat="30.0", long="125.0")  # East China Sea
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()[0]
    assert "triaged" in body["service_notice"]
    tipoff = session.scalar(
        select(TipOff).where(TipOff.tracking_code == body["service_request_id"])
    )
    assert tipoff.placement == "unplaced" and tipoff.region_code is None


def test_unplaced_posts_go_to_the_configured_triage_region(app, client, session):
    app.config["TRIAGE_REGION_CODE"] = "620000"
    created = file(client, address_string="黄河边上一个排污口", lat="30.0", long="125.0")
    code = created.get_json()[0]["service_request_id"]
    tipoff = session.scalar(select(TipOff).where(TipOff.tracking_code == code))
    assert tipoff.placement == "unplaced" and tipoff.region_code == "620000"


def test_attributes_place_the_request_before_the_address(client, session):
    created = file(client, **{"attribute[region_code]": "620104"})
    code = created.get_json()[0]["service_request_id"]
    assert (
        session.scalar(select(TipOff.region_code).where(TipOff.tracking_code == code)) == "620104"
    )


def test_contact_without_a_name_is_filed_anonymously_and_says_so(client, session):
    created = file(client, email="only-mail@example.org")
    assert "anonymously" in created.get_json()[0]["service_notice"]
    code = created.get_json()[0]["service_request_id"]
    tipoff = session.scalar(select(TipOff).where(TipOff.tracking_code == code))
    assert tipoff.anonymous and tipoff.reporter_email is None


def test_listing_shows_public_fields_only_with_coarse_location(client):
    code = file(client, **REPORTER).get_json()[0]["service_request_id"]
    listed = client.get("/open311/v2/requests.json")
    assert listed.status_code == 200
    item = next(r for r in listed.get_json() if r["service_request_id"] == code)
    assert item["status"] == "open" and item["service_code"] == "water"
    assert item["service_name"] == "水污染 / Water pollution"
    assert item["address"] == "甘肃省兰州市城关区" and item["lat"] == 36.061
    assert item["long"] == 103.835 and item["agency_responsible"] == "城关区生态环境局"
    assert item["description"].startswith("水污染举报")
    expected = dt.datetime.fromisoformat(item["expected_datetime"])
    assert expected.tzinfo is not None and expected.hour == 23  # a datetime, not a date
    dt.datetime.fromisoformat(item["requested_datetime"])
    text = listed.get_data(as_text=True)
    assert not any(v in text for v in (*REPORTER.values(), "张掖路", "店铺", "36.061234"))


def test_listing_filters_by_service_code_status_and_dates(client, session):
    water = file(client).get_json()[0]["service_request_id"]
    air = file(client, service_code="air").get_json()[0]["service_request_id"]
    session.execute(
        TipOff.__table__.update()
        .where(TipOff.tracking_code == air)
        .values(status="closed", public_outcome="已责令整改 / ordered to fix")
    )
    session.commit()

    def ids(query: str) -> set[str]:
        return {
            r["service_request_id"]
            for r in client.get(f"/open311/v2/requests.json?{query}").get_json()
        }

    assert ids("service_code=water") == {water} and ids("service_code=air,water") == {water, air}
    assert ids("status=closed") == {air} and ids("status=open") == {water}
    closed = client.get("/open311/v2/requests.json?status=closed").get_json()[0]
    assert closed["status_notes"] == "已责令整改 / ordered to fix"
    assert ids("start_date=2020-01-01T00:00:00Z&end_date=2020-03-01T00:00:00Z") == set()
    today = dt.date.today()
    assert ids(f"start_date={today - dt.timedelta(days=1)}") == {water, air}
    assert ids("page_size=1") in ({water}, {air}) and len(ids("page_size=1&page=2")) == 1


def test_listing_refuses_a_range_longer_than_90_days(client):
    response = client.get(
        "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"
    )
    assert response.status_code == 400
    assert "90" in response.get_json()[0]["description"]


def test_lookup_without_the_secret_shows_the_public_summary_only(client):
    code = file(client, **REPORTER).get_json()[0]["service_request_id"]
    for url in (
        f"/open311/v2/requests/{code}.json",
        f"/open311/v2/requests.json?service_request_id={code}",
    ):
        found = client.get(url).get_json()
        assert [r["service_request_id"] for r in found] == [code]
        assert "notes" not in found[0] and DESCRIPTION not in str(found)


def test_lookup_with_the_secret_shows_the_reporters_own_text_and_timeline(client):
    body = file(client, **REPORTER).get_json()[0]
    code, secret = body["service_request_id"], body["secret"]
    by_header = client.get(f"/open311/v2/requests/{code}.json", headers={"X-Tipoff-Secret": secret})
    assert by_header.headers["Cache-Control"] == "no-store"
    detail = by_header.get_json()[0]
    assert detail["description"] == DESCRIPTION and detail["address"].startswith("兰州市城关区")
    assert [n["type"] for n in detail["notes"]] == ["received"]
    by_param = client.get(f"/open311/v2/requests.xml?service_request_id={code}&api_key={secret}")
    assert ET.fromstring(by_param.data).find("request/notes/note/type").text == "received"
    assert not any(v in by_header.get_data(as_text=True) for v in REPORTER.values())
    wrong = client.get(
        f"/open311/v2/requests/{code}.json", headers={"X-Tipoff-Secret": "AAAA-BBBB-CCCC-DDDD"}
    )
    assert wrong.status_code == 404 and DESCRIPTION not in wrong.get_data(as_text=True)


def test_tokens_resolve_to_the_service_request_id(client):
    code = file(client).get_json()[0]["service_request_id"]
    assert client.get(f"/open311/v2/tokens/{code}.json").get_json() == [
        {"service_request_id": code, "token": code}
    ]
    root = ET.fromstring(client.get(f"/open311/v2/tokens/{code}.xml").data)
    assert root.find("request/service_request_id").text == code
    assert client.get("/open311/v2/tokens/JB-22222-22222.json").status_code == 404


def test_post_answer_is_never_cached(client):
    created = file(client)
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    refused = file(client, service_code="moon")
    assert refused.headers["Cache-Control"] == "no-store"
