"""API access: anonymous quotas per address, partner keys with higher quotas, bad keys."""

from __future__ import annotations

import pytest
import redis

from core.users import create_api_client


@pytest.fixture
def limited_config(app_config):
    return {
        **app_config,
        "API_ANON_RATE_LIMIT": "3 per minute",
        "API_PARTNER_RATE_LIMIT": "6 per minute",
    }


_apps: list = []


def _app(config):
    from wsgi import create_app

    app = create_app(config)
    _apps.append(app)
    return app


@pytest.fixture(autouse=True)
def _dispose_apps():
    yield
    while _apps:
        _apps.pop().extensions["envcredit.db"].dispose()


def test_anonymous_quota_gives_429_problem_with_headers(limited_config):
    client = _app(limited_config).test_client()
    statuses = [client.get("/api/v1/changes").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/changes")
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_partner_key_has_its_own_higher_quota(limited_config):
    app = _app(limited_config)
    db = app.extensions["envcredit.db"]
    session = db.new_session()
    with app.app_context():  # the key's hash is keyed with the app's HASH_KEY
        _, key = create_api_client(session, "mirror")
    session.commit()
    session.close()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    statuses = [client.get("/api/v1/changes", headers=headers).status_code for _ in range(7)]
    assert statuses == [200] * 6 + [429]
    assert client.get("/api/v1/changes").status_code == 200  # the address quota is separate


@pytest.mark.parametrize("header", ["Bearer ec_nonsense", "Basic abc", "Bearer "])
def test_bad_keys_are_401(client, header):
    response = client.get("/api/v1/changes", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_quota_counters_in_redis_when_configured(limited_config):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    redis.Redis.from_url(url).flushdb()
    first = _app({**limited_config, "REDIS_URL": url}).test_client()
    second = _app({**limited_config, "REDIS_URL": url}).test_client()
    assert [first.get("/api/v1/changes").status_code for _ in range(3)] == [200] * 3
    assert second.get("/api/v1/changes").status_code == 429  # shared by both "servers"
    redis.Redis.from_url(url).flushdb()


def test_a_quota_store_outage_does_not_take_the_api_down(limited_config):
    client = _app({**limited_config, "REDIS_URL": "redis://127.0.0.1:1/0"}).test_client()
    response = client.get("/api/v1/changes")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers  # nothing was counted


def test_quota_headers_on_every_counted_read(limited_config):
    client = _app(limited_config).test_client()
    first, second = client.get("/api/v1/changes"), client.get("/api/v1/changes")
    assert (first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]) == (
        "2",
        "1",
    )
    assert int(second.headers["X-RateLimit-Reset"]) > 0
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers  # only the API counts
