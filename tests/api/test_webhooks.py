"""Webhooks: registration with scopes, signed at-least-once delivery with retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select, update

from core.changelog import record_change
from core.users import create_api_client
from openapi.models import Webhook, WebhookDelivery
from openapi.webhook_delivery import WebhookFanout, WebhookSender
from tests.factories import create_enterprise, create_penalty


@pytest.fixture
def receiver():
    """A local HTTP receiver; answers 500 to the first N requests when asked."""
    state = {"fail": 0, "got": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["got"].append((dict(self.headers), body))
            code = 500 if state["fail"] > 0 else 204
            state["fail"] -= 1
            self.send_response(code)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooks_app(app_config):
    from wsgi import create_app

    app = create_app({**app_config, "WEBHOOK_ALLOW_PRIVATE": True})
    yield app
    app.extensions["envcredit.db"].dispose()


def _key(app, scopes=("webhooks",)):
    session = app.extensions["envcredit.db"].new_session()
    with app.app_context():  # the key's hash is keyed with the app's HASH_KEY
        _, key = create_api_client(session, f"p{len(scopes)}{id(scopes)}", scopes)
    session.commit()
    session.close()
    return {"Authorization": f"Bearer {key}"}


def _drain(app):
    with app.app_context():
        WebhookFanout().catch_up()
        return WebhookSender().run_once()


def test_register_needs_a_key_with_the_scope(hooks_app, receiver):
    client = hooks_app.test_client()
    assert client.post("/api/v1/webhooks", json={"url": receiver["url"]}).status_code == 401
    plain = _key(hooks_app, ("read",))
    assert client.post("/api/v1/webhooks", json={"url": receiver["url"]},
                       headers=plain).status_code == 403
    created = client.post("/api/v1/webhooks", json={"url": receiver["url"]},
                          headers=_key(hooks_app))
    assert created.status_code == 201 and len(created.get_json()["secret"]) == 64


def test_signed_delivery_retry_and_removal(hooks_app, receiver):
    client = hooks_app.test_client()
    headers = _key(hooks_app)
    created = client.post("/api/v1/webhooks", json={"url": receiver["url"],
                                                    "entities": ["penalty"]},
                          headers=headers).get_json()
    secret = created["secret"]
    db = hooks_app.extensions["envcredit.db"]
    session = db.new_session()
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=3))
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", penalty.id, enterprise_id=ent.id)
    session.commit()
    receiver["fail"] = 1
    assert _drain(hooks_app) == 1  # only the penalty is subscribed; the first try gets a 500
    delivery = session.scalar(select(WebhookDelivery))
    assert delivery.status == "pending" and delivery.attempts == 1
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    session.execute(update(WebhookDelivery).values(next_attempt_at=past))
    session.commit()
    assert _drain(hooks_app) == 1
    headers_got, body = receiver["got"][-1]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers_got["X-Envcredit-Signature"] == expected
    event = json.loads(body)
    assert event["op"] == "upsert" and event["snapshot"]["decision_no"] == penalty.decision_no
    penalty.repaired_at = dt.date.today()
    record_change(session, "penalty", penalty.id, enterprise_id=ent.id)
    session.commit()
    _drain(hooks_app)
    assert json.loads(receiver["got"][-1][1])["op"] == "delete"  # the mirror removes it
    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=headers).get_json()
    assert [d["status"] for d in log] == ["delivered", "delivered"]
    session.close()


def test_secret_not_stored_and_others_cannot_see_it(hooks_app, receiver):
    client = hooks_app.test_client()
    mine, theirs = _key(hooks_app), _key(hooks_app, ("webhooks", "read"))
    created = client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=mine)
    hook_id, secret = created.get_json()["id"], created.get_json()["secret"]
    session = hooks_app.extensions["envcredit.db"].new_session()
    assert session.get(Webhook, hook_id).secret != secret
    session.close()
    assert client.get("/api/v1/webhooks", headers=theirs).get_json() == []
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=theirs).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=mine).status_code == 204


def test_private_targets_are_refused_by_default(client, app):
    headers = _key(app)
    for url in ("http://127.0.0.1:9/x", "http://10.0.0.1/x", "file:///etc/passwd",
                "http://user:pw@example.cn/x"):
        response = client.post("/api/v1/webhooks", json={"url": url}, headers=headers)
        assert response.status_code == 422, url
