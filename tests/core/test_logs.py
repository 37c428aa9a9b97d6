"""Logs: JSON lines with a request id (also in the header and in problem+json), and nothing a
reporter, a password, a key or a secret could be found from."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from core.logs import redact
from credit.enterprise_accounts.activation import issue_code
from tests.disclosure.conftest import csrf_token, login
from tests.disclosure.test_tipoffs import file_through_page, receipt_codes, track
from tests.factories import create_enterprise, ensure_reference

NAME, PHONE, EMAIL = "日志金丝雀甄Q8", "13911112222", "canary.q8@example.org"
PASSWORD = "Canary-Pass-8841-xyz"
METRICS_TOKEN = "canary-metrics-token-55"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "METRICS_TOKEN": METRICS_TOKEN}


@pytest.fixture
def captured(app):
    """What the app's log handler writes, from here on."""
    (handler,) = [h for h in logging.getLogger().handlers if getattr(h, "_envcredit", False)]
    out = io.StringIO()
    old = handler.setStream(out)
    yield out
    handler.setStream(old)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_line_is_json_with_the_request_id_and_the_request(client, captured):
    response = client.get("/healthz", headers={"X-Request-ID": "probe-0001-abcdef"})
    assert response.headers["X-Request-ID"] == "probe-0001-abcdef"
    (line,) = [r for r in json_lines(captured.getvalue()) if r["event"] == "request"]
    assert line["request_id"] == "probe-0001-abcdef"
    assert line["method"] == "GET" and line["endpoint"] == "core.healthz"
    assert line["path"] == "/healthz" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert {"timestamp", "level", "logger"} <= set(line)


def test_an_unsafe_request_id_is_replaced(client):
    for bad in ("short", "has space in it ok", 'quote"injection-123', "x" * 200):
        rid = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert rid != bad and re.fullmatch(r"[0-9a-f]{32}", rid)


def test_problem_json_carries_the_request_id(client):
    response = client.get("/api/v1/enterprises/NOT-A-USCC", headers={"X-Request-ID": "abc-123-xyz"})
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["request_id"] == "abc-123-xyz"
    generated = client.get("/api/v1/no-such-thing")
    assert generated.get_json()["request_id"] == generated.headers["X-Request-ID"]
    # refused before the app (an untrusted Host), and before any view (a NUL in the query)
    for refused in (
        client.get("/api/v1/enterprises", headers={"Host": "evil.example"}),
        client.get("/api/v1/enterprises?q=%00"),
    ):
        assert refused.status_code == 400
        assert refused.get_json()["request_id"] == refused.headers["X-Request-ID"]


def test_text_format_for_development(app_config):
    from wsgi import create_app

    app = create_app({**app_config, "LOG_FORMAT": "text"})
    try:
        (handler,) = [h for h in logging.getLogger().handlers if getattr(h, "_envcredit", False)]
        out = io.StringIO()
        handler.setStream(out)
        rid = app.test_client().get("/healthz").headers["X-Request-ID"]
        assert f"INFO envcredit.request [{rid}] request" in out.getvalue()
        with pytest.raises(json.JSONDecodeError):
            json.loads(out.getvalue().splitlines()[-1])
    finally:
        app.extensions["envcredit.db"].dispose()
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        create_app({**app_config, "LOG_FORMAT": "xml"})


def test_the_redacting_filter_is_a_second_line_of_defence():
    text = redact(
        f"password={PASSWORD} email: {EMAIL} phone {PHONE} Authorization: Bearer k-123 "
        'GET /tipoffs/track?code=JB-1&secret=ABCD HTTP/1.1 {"api_key": "KEY9"} '
        "uscc 91620100MA7GXQ1234"
    )
    for planted in (PASSWORD, EMAIL, PHONE, "k-123", "secret=ABCD", "KEY9"):
        assert planted not in text
    assert "91620100MA7GXQ1234" in text and "GET /tipoffs/track HTTP/1.1" in text


def test_no_reporter_identity_secret_or_key_reaches_the_logs(app, client, session, captured):
    from core.users import create_api_client, create_user

    def boom():
        raise RuntimeError(f"failed for {EMAIL} with password={PASSWORD}")

    app.add_url_rule("/boom-for-test", "boom_for_test", boom)
    planted = [NAME, PHONE, EMAIL, PASSWORD, METRICS_TOKEN]
    # a named tip-off through the form, then tracked with its secret (form and query string)
    _filed, receipt = file_through_page(
        client, identity="named", reporter_name=NAME, reporter_phone=PHONE, reporter_email=EMAIL
    )
    code, secret = receipt_codes(receipt)
    planted.append(secret)
    assert track(client, code, secret).status_code == 200
    client.get("/tipoffs/track", query_string={"code": code, "secret": secret})
    # the same identity through the API
    api = client.post(
        "/api/v1/tipoffs",
        json={
            "category": "water",
            "description": "河道排污口持续排放发黑污水",
            "location": "黄河西固段",
            "region_code": "620100",
            "anonymous": False,
            "reporter_name": NAME,
            "reporter_phone": PHONE,
            "reporter_email": EMAIL,
        },
    )
    assert api.status_code == 201
    # sign in (a wrong password first), with the second factor
    ensure_reference(session)
    create_user(
        session,
        email="log-canary@example.cn",
        name="日志测试",
        role="regulator",
        region_code="620100",
        password=PASSWORD,
    )
    session.commit()
    token = csrf_token(client, "/regulator/login")
    client.post(
        "/regulator/login",
        data={"email": "log-canary@example.cn", "password": PASSWORD + "x", "csrf_token": token},
    )
    assert login(client, "log-canary@example.cn", PASSWORD).status_code == 302
    client.get("/regulator/logout")
    # an API key, good and bad, in the header and in a query string
    with app.app_context():
        _, key = create_api_client(session, "log-canary", ["read"])
    session.commit()
    planted.append(key)
    assert (
        client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {key}"}).status_code
        == 200
    )
    assert (
        client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {key}x"}).status_code
        == 401
    )
    client.get(f"/open311/v2/requests/{code}.json", query_string={"api_key": key})
    # an enterprise's activation code, wrong then right
    enterprise = create_enterprise(session, name="日志金丝雀企业有限公司")
    session.commit()
    with app.app_context():
        activation = issue_code(session, enterprise, "enterprise_manager", "cli:test")
    session.commit()
    planted.append(activation)
    for attempt in (activation[:-1] + "Z", activation):
        client.post(
            "/enterprise/activate",
            data={
                "uscc": enterprise.uscc,
                "code": attempt,
                "legal_representative": enterprise.legal_representative,
                "name": "李经理",
                "email": "manager-canary@example.cn",
                "password": PASSWORD,
                "csrf_token": csrf_token(client, "/enterprise/activate"),
            },
        )
    # the metrics token, and an unexpected error whose message holds secrets
    assert (
        client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code
        == 200
    )
    assert client.get("/boom-for-test").status_code == 500

    text = captured.getvalue()
    lines = json_lines(text)  # every line parses
    assert any(r.get("endpoint") == "tipoffs_pages.file" or r.get("status") == 303 for r in lines)
    assert any("RuntimeError" in r.get("exception", "") for r in lines)  # the error was logged
    assert len({r["request_id"] for r in lines if "request_id" in r}) > 10
    found = [p for p in planted if p in text]
    assert not found, found
