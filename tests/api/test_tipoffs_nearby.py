"""GET /api/v1/tipoffs/nearby: open reports' public summaries near a point, never reporter data."""

from __future__ import annotations

import json

import pytest

from credit.tipoffs.filing import TipOffInput, file_tipoff
from tests.factories import create_enterprise, make_uscc

SECRET_WORDS = ("张三丰", "13912345678", "zhang@example.org", "我家后院的小作坊")


def _file(session, lat, lon, **changes):
    data = TipOffInput(
        category="air",
        description="我家后院的小作坊夜间烟囱冒黑烟，气味刺鼻。",
        location="我家后院的小作坊",
        latitude=lat,
        longitude=lon,
        region_code="620100",
        anonymous=False,
        reporter_name="张三丰",
        reporter_phone="13912345678",
        reporter_email="zhang@example.org",
        **changes,
    )
    return file_tipoff(session, data)


@pytest.fixture
def filed(app_context, session):
    ent = create_enterprise(session)
    near = _file(session, "36.061234", "103.834567")
    far = _file(session, "36.161234", "103.834567")
    about = _file(session, None, None, enterprise=ent.uscc)
    closed = _file(session, "36.061300", "103.834600")
    closed.tipoff.status = "closed"
    session.commit()
    return {"ent": ent, "near": near, "far": far, "about": about, "closed": closed}


def test_open_reports_near_the_point_with_rounded_coordinates(client, filed):
    response = client.get("/api/v1/tipoffs/nearby?lat=36.06&long=103.83&radius_km=2")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["tracking_code"] for i in items] == [filed["near"].tracking_code]
    assert items[0]["latitude"] == 36.061 and items[0]["longitude"] == 103.835
    assert items[0]["distance_km"] == 0.5 and items[0]["about_enterprise"] is False


def test_reports_naming_the_enterprise_come_after_the_near_ones(client, filed):
    url = f"/api/v1/tipoffs/nearby?lat=36.06&long=103.83&enterprise_uscc={filed['ent'].uscc}"
    items = client.get(url).get_json()["items"]
    assert [i["tracking_code"] for i in items] == [
        filed["near"].tracking_code,
        filed["about"].tracking_code,
    ]
    assert items[1]["about_enterprise"] is True and items[1]["distance_km"] is None
    only = client.get(f"/api/v1/tipoffs/nearby?enterprise_uscc={filed['ent'].uscc}").get_json()
    assert [i["tracking_code"] for i in only["items"]] == [filed["about"].tracking_code]


def test_no_reporter_data_and_no_report_text_leave(client, filed):
    response = client.get(
        f"/api/v1/tipoffs/nearby?lat=36.1&long=103.83&radius_km=50&enterprise_uscc={filed['ent'].uscc}"
    )
    body = response.get_data(as_text=True)
    assert len(response.get_json()["items"]) == 3
    for word in SECRET_WORDS:
        assert word not in body and json.dumps(word)[1:-1] not in body
    assert "36.061234" not in body and "103.834567" not in body


def test_radius_applies_to_the_rounded_point(client, filed):
    # the stored point is 36.061234; the public one 36.061000, 0.0 km from the query
    items = client.get("/api/v1/tipoffs/nearby?lat=36.061&long=103.835&radius_km=0.001")
    assert [i["tracking_code"] for i in items.get_json()["items"]] == [filed["near"].tracking_code]
    missed = client.get("/api/v1/tipoffs/nearby?lat=36.061234&long=103.834567&radius_km=0.001")
    assert missed.get_json()["items"] == []


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("", "lat"),
        ("lat=36", "long"),
        ("lat=北纬&long=103", "lat"),
        ("lat=36&long=103&radius_km=100", "radius_km"),
        (f"radius_km=3&enterprise_uscc={make_uscc(1)}", "radius_km"),
        ("enterprise_uscc=12345", "enterprise_uscc"),
        ("lat=36&long=103&crs=bd09", "crs"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(client, query, param):
    response = client.get(f"/api/v1/tipoffs/nearby?{query}")
    assert response.status_code == 400, response.get_json()
    assert param in response.get_json()["errors"]
