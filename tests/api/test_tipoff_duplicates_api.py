"""possible_duplicates in the filing answers of /api/v1/tipoffs and Open311: machines file at
once and are told about open reports nearby or about the same enterprise, as public
summaries only (no description, location text or reporter field)."""

from __future__ import annotations

import defusedxml.ElementTree as ET
from sqlalchemy import func, select

from credit.tipoffs.models import TipOff
from tests.factories import create_enterprise

NAME, PHONE, EMAIL = "孙举报人R2", "13600001111", "dup.api.r2@example.org"
TEXT = "河道排污口持续排放发黑污水，气味很重"
PRIVATE = (NAME, PHONE, EMAIL, TEXT, "黄河西固段北岸")
SUMMARY_FIELDS = {
    "tracking_code",
    "category",
    "status",
    "status_note",
    "region_code",
    "region_name",
    "agency",
    "latitude",
    "longitude",
    "received_at",
    "updated_at",
    "distance_km",
    "about_enterprise",
}


def _body(**overrides):
    body = {
        "category": "water",
        "description": TEXT,
        "location": "黄河西固段北岸",
        "latitude": 36.061,
        "longitude": 103.834,
        "anonymous": False,
        "reporter_name": NAME,
        "reporter_phone": PHONE,
        "reporter_email": EMAIL,
    }
    body.update(overrides)
    return body


def test_the_api_files_and_lists_possible_duplicates(client, session):
    first = client.post("/api/v1/tipoffs", json=_body())
    assert first.status_code == 201 and first.get_json()["possible_duplicates"] == []
    second = client.post(
        "/api/v1/tipoffs",
        json=_body(
            latitude=36.0615,
            longitude=103.8345,
            anonymous=True,
            reporter_name=None,
            reporter_phone=None,
            reporter_email=None,
            description="排污口在排黑水，很臭",
        ),
    )
    assert second.status_code == 201
    created = second.get_json()
    assert created["tracking_code"] and created["secret"]  # filed all the same
    (dup,) = created["possible_duplicates"]
    assert dup["tracking_code"] == first.get_json()["tracking_code"]
    assert set(dup) == SUMMARY_FIELDS
    assert dup["distance_km"] is not None and dup["distance_km"] <= 0.5
    assert dup["about_enterprise"] is False
    assert not any(p in second.get_data(as_text=True) for p in PRIVATE)
    assert session.scalar(select(func.count()).select_from(TipOff)) == 2


def test_the_api_lists_reports_about_the_same_enterprise_far_away(client, session):
    ent = create_enterprise(session)
    session.commit()
    first = client.post("/api/v1/tipoffs", json=_body(enterprise_uscc=ent.uscc))
    far = client.post(
        "/api/v1/tipoffs",
        json=_body(enterprise_uscc=ent.uscc, latitude=36.3, longitude=103.5),
    ).get_json()
    (dup,) = far["possible_duplicates"]
    assert dup["tracking_code"] == first.get_json()["tracking_code"]
    assert dup["about_enterprise"] is True and dup["distance_km"] is None


def test_open311_answers_with_possible_duplicates_in_json_and_xml(client, session):
    form = {
        "service_code": "water",
        "description": TEXT,
        "address_string": "兰州市城关区张掖路 12 号",
        "lat": "36.061234",
        "long": "103.834567",
        "first_name": "孙",
        "last_name": "举报人R2",
        "phone": PHONE,
    }
    first = client.post("/open311/v2/requests.json", data=form)
    assert first.status_code == 201
    (created,) = first.get_json()
    assert created["possible_duplicates"] == []
    assert {"service_request_id", "token", "service_notice", "secret"} <= set(created)
    second = client.post("/open311/v2/requests.json", data=form)
    (again,) = second.get_json()
    (dup,) = again["possible_duplicates"]
    assert dup["service_request_id"] == created["service_request_id"]
    assert dup["lat"] == 36.061 and dup["status"] == "open"  # rounded, public
    assert "举报内容保密" in dup["description"]
    assert not any(p in second.get_data(as_text=True) for p in (PHONE, TEXT, "张掖路"))
    xml = client.post("/open311/v2/requests.xml", data=form)
    assert xml.status_code == 201
    root = ET.fromstring(xml.data)
    listed = root.findall("./request/possible_duplicates/request/service_request_id")
    assert {e.text for e in listed} == {
        created["service_request_id"],
        again["service_request_id"],
    }
