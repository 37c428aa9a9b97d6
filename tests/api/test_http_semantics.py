"""HTTP semantics of the open API: CORS, problem types, WWW-Authenticate, caching, quota on
304 (partner F3, F11, F12, F18)."""

from __future__ import annotations

import pytest

from core.problems import PROBLEM_TYPES
from tests.factories import create_enterprise

ORIGIN = "https://partner.example.cn"


def _preflight(client, path, method="GET", headers="authorization, if-none-match"):
    return client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


@pytest.mark.parametrize(
    ("path", "method", "headers"),
    [
        ("/api/v1/enterprises?limit=1", "GET", "authorization, if-none-match"),
        ("/api/v1/tipoffs", "POST", "content-type"),
        ("/api/v1/webhooks/1", "DELETE", "authorization"),
        ("/api/v1/tipoffs/JB-AAAAA-BBBBB", "GET", "x-tipoff-secret"),
        ("/open311/v2/services.json", "GET", "if-none-match"),
        ("/feeds/penalties.atom", "GET", "if-none-match"),
    ],
)
def test_preflight_is_answered_by_cors_not_the_portal(client, path, method, headers):
    response = _preflight(client, path, method, headers)
    assert response.status_code == 204 and response.data == b""
    assert "Content-Security-Policy" not in response.headers
    assert response.mimetype != "text/html"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert method in response.headers["Access-Control-Allow-Methods"]
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {h.strip() for h in headers.split(",")} <= allowed
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_writes_and_errors_carry_cors_headers(client):
    post = client.post("/api/v1/tipoffs", json={}, headers={"Origin": ORIGIN})
    assert post.status_code == 422 and post.headers["Access-Control-Allow-Origin"] == "*"
    delete = client.delete("/api/v1/webhooks/1", headers={"Origin": ORIGIN})
    assert delete.status_code == 401 and delete.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in delete.headers["Access-Control-Expose-Headers"].split(",")}
    assert {
        "ETag",
        "Link",
        "X-Change-Seq",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
        "Location",
        "WWW-Authenticate",
    } <= exposed


def test_open311_and_feeds_reads_carry_cors_headers(client):
    for path in ("/open311/v2/services.json", "/feeds/penalties.atom"):
        assert client.get(path).headers["Access-Control-Allow-Origin"] == "*", path


def test_portal_pages_get_no_cors_headers(client):
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/v1/penalties/99999999", "not-found"),
        ("/api/v1/penalties/abc", "not-found"),
        ("/api/v1/nothing-here", "not-found"),
        ("/api/v1/penalties?limit=0", "invalid"),
        ("/api/v1/enterprises/91350100M000100Y43/rating?as_of=banana", "invalid"),
    ],
)
def test_one_problem_type_and_fixed_title_per_meaning(client, path, kind):
    response = client.get(path)
    body = response.get_json()
    status, title = PROBLEM_TYPES[kind]
    assert (response.status_code, body["status"]) == (status, status)
    assert body["type"] == f"https://envcredit.org/problems/{kind}"
    assert body["title"] == title


def test_occurrence_details_go_in_detail_not_title(client):
    body = client.get("/api/v1/penalties/99999999").get_json()
    assert "99999999" in body["detail"] and "99999999" not in body["title"]


def test_405_is_a_problem_with_allow(client):
    response = client.delete("/api/v1/changes")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["type"].endswith("/method-not-allowed")


def test_401_challenges_with_bearer_and_says_why_a_key_failed(client):
    missing = client.get("/api/v1/webhooks")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="envcredit"'
    bad = client.get("/api/v1/changes", headers={"Authorization": "Bearer ec_nonsense"})
    assert bad.status_code == 401
    challenge = bad.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="envcredit", error="invalid_token"')


def test_reads_say_how_long_they_may_be_cached(client, session):
    ent = create_enterprise(session)
    session.commit()
    assert client.get("/api/v1/enterprises").headers["Cache-Control"] == "public, max-age=60"
    assert (
        client.get(f"/api/v1/enterprises/{ent.uscc}").headers["Cache-Control"]
        == "public, max-age=60"
    )
    assert client.get("/api/v1/changes").headers["Cache-Control"] == "no-cache"
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "public, max-age=60"


def test_reads_with_a_key_are_private(client, session):
    from core.users import create_api_client

    with client.application.app_context():
        _, key = create_api_client(session, "mirror")
    session.commit()
    response = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {key}"})
    assert response.headers["Cache-Control"].startswith("private")


def test_a_304_costs_no_quota(app_config):
    from wsgi import create_app

    app = create_app({**app_config, "API_ANON_RATE_LIMIT": "3 per minute"})
    try:
        client = app.test_client()
        first = client.get("/api/v1/changes")
        etag = first.headers["ETag"]
        remaining = [first.headers["X-RateLimit-Remaining"]]
        for _ in range(5):
            again = client.get("/api/v1/changes", headers={"If-None-Match": etag})
            assert again.status_code == 304
            remaining.append(again.headers["X-RateLimit-Remaining"])
        assert remaining == ["2"] * 6
        assert [client.get("/api/v1/changes").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        app.extensions["envcredit.db"].dispose()


def test_rate_limit_reset_is_epoch_seconds(client):
    import time

    reset = int(client.get("/api/v1/changes").headers["X-RateLimit-Reset"])
    assert time.time() - 1 <= reset <= time.time() + 61
