"""Open311 refusals: the Open311 error format on every path, limits, and PII kept out of URLs."""

from __future__ import annotations

import defusedxml.ElementTree as ET
import pytest
from sqlalchemy import func, select

from core.limits import consume
from credit.tipoffs.models import TipOff
from tests.api.test_open311 import REPORTER, file

PII = ("Canaryqs", "PII-last", "13900007332", "pii@example.org")


def _count(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(TipOff))


def assert_open311_error(response, status: int, fmt: str) -> list[str]:
    """The Open311 error list (never problem+json) with ``status``; its descriptions."""
    assert response.status_code == status, response.get_data(as_text=True)
    if fmt == "xml":
        assert response.mimetype == "text/xml"
        root = ET.fromstring(response.data)
        assert root.tag == "errors"
        assert {e.findtext("code") for e in root.findall("error")} == {str(status)}
        return [e.findtext("description") for e in root.findall("error")]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, list) and body and {e["code"] for e in body} == {status}
    return [e["description"] for e in body]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_error_path_answers_in_the_open311_format(client, fmt):
    assert_open311_error(client.get(f"/open311/v2/nothing-here.{fmt}"), 404, fmt)
    assert_open311_error(client.get(f"/open311/v2/services/moon.{fmt}"), 404, fmt)
    assert_open311_error(client.get(f"/open311/v2/requests/JB-NOPE.{fmt}"), 404, fmt)
    assert_open311_error(client.delete(f"/open311/v2/requests.{fmt}"), 405, fmt)
    assert_open311_error(client.put(f"/open311/v2/services.{fmt}"), 405, fmt)
    nul = client.post(f"/open311/v2/requests.{fmt}", data={"description": "a\x00b"})
    assert_open311_error(nul, 400, fmt)
    descriptions = assert_open311_error(client.post(f"/open311/v2/requests.{fmt}"), 400, fmt)
    assert descriptions[0].startswith("service_code:")


def test_unknown_formats_get_open311_errors_too(client):
    assert_open311_error(client.get("/open311/v2/requests.csv"), 404, "json")
    assert_open311_error(
        client.get("/open311/v2/services.csv", headers={"Accept": "text/xml"}), 404, "xml"
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_validation_errors_name_the_spec_fields(client, session, fmt):
    no_place = assert_open311_error(
        file(client, fmt, address_string=None, lat=None, long=None), 400, fmt
    )
    assert "address_string" in no_place[0] and "lat" in no_place[0]
    short = assert_open311_error(file(client, fmt, description="太短"), 400, fmt)
    assert short == [d for d in short if d.startswith("description:")]
    region = assert_open311_error(
        file(client, fmt, **{"attribute[region_code]": "999999"}), 400, fmt
    )
    assert region[0].startswith("attribute[region_code]:") and "999999" in region[0]
    named = assert_open311_error(file(client, fmt, first_name="张", phone="not-a-phone"), 400, fmt)
    assert named[0].startswith("phone:")
    assert _count(session) == 0


def test_fields_outside_the_spec_media_url_and_controls_are_refused(client, session):
    unknown = assert_open311_error(file(client, lon="103.8"), 400, "json")
    assert unknown[0].startswith("lon:")
    media = assert_open311_error(file(client, media_url="http://example.org/x.jpg"), 400, "json")
    assert media[0].startswith("media_url:")
    controls = assert_open311_error(
        file(client, "xml", description="排放\x0b黑水\x1b超过十个字"), 400, "xml"
    )
    assert controls[0].startswith("description:")
    twice = client.post("/open311/v2/requests.json", data={"service_code": ["air", "water"]})
    assert assert_open311_error(twice, 400, "json")[0].startswith("service_code:")
    assert _count(session) == 0


def test_pii_in_the_query_string_of_a_post_is_refused_and_nothing_stored(client, session):
    """security F11: only the form body is read; a query string is refused outright."""
    query = (
        "service_code=air&description=%E5%B7%A5%E5%8E%82%E5%A4%9C%E9%97%B4%E6%8E%92"
        "%E6%94%BE%E5%88%BA%E9%BC%BB%E6%B0%94%E4%BD%93&address_string=%E5%85%B0%E5%B7%9E"
        "%E5%B8%82&first_name=Canaryqs&last_name=PII-last&phone=13900007332"
        "&email=pii%40example.org"
    )
    for body in (
        {},
        {
            "service_code": "air",
            "description": "工厂夜间排放刺鼻气体超过十字",
            "address_string": "兰州市城关区",
        },
    ):
        response = client.post(f"/open311/v2/requests.json?{query}", data=body)
        description = assert_open311_error(response, 400, "json")[0]
        assert "query" in description or "URL" in description
        assert not any(p in response.get_data(as_text=True) for p in PII)
    assert _count(session) == 0


def test_json_bodies_are_refused_with_a_form_hint(client, session):
    response = client.post("/open311/v2/requests.json", json={"service_code": "air"})
    assert "x-www-form-urlencoded" in assert_open311_error(response, 400, "json")[0]
    assert _count(session) == 0


def test_open311_filing_shares_the_tipoff_file_bucket(app, client):
    """security F9: Open311 filings and refusals count against "tipoff-file", the bucket the
    web form and the JSON API consume, and a spent bucket is an Open311 429."""
    for _ in range(4):
        assert file(client).status_code == 201
    for _ in range(4):
        assert file(client, service_code="moon").status_code == 400  # refused ones count
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        consume("tipoff-file")  # another door (the page or the API) files twice
        consume("tipoff-file")
    limited = file(client)
    assert_open311_error(limited, 429, "json")
    assert int(limited.headers["Retry-After"]) > 0
    assert_open311_error(file(client, "xml"), 429, "xml")


def test_an_address_spent_by_open311_cannot_file_through_the_other_doors(app, client):
    from werkzeug.exceptions import TooManyRequests

    for _ in range(10):
        file(client, service_code="moon")
    with (
        app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}),
        pytest.raises(TooManyRequests),
    ):
        consume("tipoff-file")


def test_bulk_lookups_are_capped_and_rate_limited(app, client):
    """security F10 (row 24): at most 20 ids per look-up; look-ups are limited per address."""
    code = file(client).get_json()[0]["service_request_id"]
    many = ",".join([code] + [f"JB-2222{i % 10}-2222{i // 10}" for i in range(20)])
    capped = client.get(f"/open311/v2/requests.json?service_request_id={many}")
    assert "20" in assert_open311_error(capped, 400, "json")[0]
    app.config["OPEN311_LOOKUP_RATE_LIMIT"] = "3 per hour"
    urls = [
        f"/open311/v2/requests.json?service_request_id={code}",
        f"/open311/v2/requests/{code}.json",
        f"/open311/v2/tokens/{code}.xml",
    ]
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]
    assert_open311_error(client.get(urls[0]), 429, "json")
    assert_open311_error(client.get(f"/open311/v2/requests/{code}.xml"), 429, "xml")
    assert client.get("/open311/v2/requests.json").status_code == 200  # the listing is open


def test_lookup_by_code_never_shows_more_than_the_listing_without_the_secret(client):
    """security F10: a code alone gives the public summary, the same as the listing's."""
    created = file(client, **REPORTER).get_json()[0]
    code = created["service_request_id"]
    alone = client.get(f"/open311/v2/requests/{code}.json").get_json()[0]
    listed = next(
        r
        for r in client.get("/open311/v2/requests.json").get_json()
        if r["service_request_id"] == code
    )
    assert alone == listed
    several = client.get(
        f"/open311/v2/requests.json?service_request_id={code},JB-22222-22222"
        f"&api_key={created['secret']}"
    )
    assert "api_key" in assert_open311_error(several, 400, "json")[0]
