"""The API skeleton: OpenAPI document, problem+json errors, enterprise and change feed."""

from __future__ import annotations

import datetime as dt

import pytest

from core.changelog import record_change
from tests.factories import create_enterprise, create_penalty


def test_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/enterprises/{uscc}" in spec["paths"]
    assert "/api/v1/changes" in spec["paths"]


def test_docs_page_works_offline(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/api/v1/docs/assets/swagger-ui-bundle.js" in page.data
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/enterprises/91350100M000100Y43", 404),
        ("GET", "/api/v1/enterprises/not-a-uscc", 404),
        ("GET", "/api/v1/nothing-here", 404),
        ("DELETE", "/api/v1/changes", 405),
        ("GET", "/api/v1/changes?after=-1", 422),
        ("GET", "/api/v1/changes?limit=99999999999999999999999", 422),
    ],
)
def test_errors_are_problem_json(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"].startswith("https://")


def test_enterprise_resource(client, session):
    ent = create_enterprise(session, name="兰州蓝天化工有限公司")
    session.commit()
    response = client.get(f"/api/v1/enterprises/{ent.uscc.lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["uscc"] == ent.uscc and body["name"] == "兰州蓝天化工有限公司"
    assert body["level"] is None
    etag = response.headers["ETag"]
    again = client.get(f"/api/v1/enterprises/{ent.uscc}", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_change_feed_pages_and_tombstones(client, session):
    ent = create_enterprise(session)
    live = create_penalty(session, ent)
    revoked = create_penalty(session, ent, revoked_at=dt.date(2026, 6, 1))
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", live.id, enterprise_id=ent.id)
    record_change(session, "penalty", revoked.id, enterprise_id=ent.id)
    session.commit()
    first = client.get("/api/v1/changes?after=0&limit=2")
    assert first.status_code == 200
    assert first.headers["X-Change-Seq"] == "3"
    assert 'rel="next"' in first.headers["Link"]
    events = first.get_json()["changes"]
    assert [e["seq"] for e in events] == [1, 2]
    assert events[0]["snapshot"]["uscc"] == ent.uscc
    assert events[1]["snapshot"]["decision_no"] == live.decision_no
    rest = client.get("/api/v1/changes?after=2").get_json()
    assert rest["changes"][0]["op"] == "delete" and rest["changes"][0]["snapshot"] is None
    assert rest["next_after"] == 3


def test_responses_are_gzipped_when_asked(client, session):
    for _ in range(30):
        create_enterprise(session)
    session.commit()
    response = client.get("/api/v1/enterprises?limit=30", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
