"""Webhooks: registration with scopes, signed at-least-once delivery with retries.

Safety: names resolve through a stub, and connections go only to 127.0.0.1/::1 (receivers
these tests run themselves); any other address makes the connector refuse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core import outbound
from core.changelog import record_change
from core.users import create_api_client
from credit.partners.delivery import WebhookFanout, WebhookSender
from credit.partners.models import Webhook, WebhookDelivery
from tests.factories import create_enterprise, create_penalty

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = {"127.0.0.1", "::1"}


@pytest.fixture(autouse=True)
def network(monkeypatch):
    """The stub resolver's names and the addresses the connector was asked for."""
    state = {"names": {"partner.test": ["93.184.216.34"]}, "asked": []}

    def resolve(host, port, *args, **kwargs):
        if host not in state["names"]:
            raise socket.gaierror(socket.EAI_NONAME, "stub: unknown name")
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in state["names"][host]
        ]

    def connect(address, timeout, *args):
        state["asked"].append(address)
        if address[0] not in LOOPBACK:
            raise ConnectionRefusedError("test connector: loopback only")
        return socket.create_connection(address, timeout)

    monkeypatch.setattr(outbound, "resolve", resolve)
    monkeypatch.setattr(outbound, "open_socket", connect)
    return state


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
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
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


def _change(app):
    """One enterprise change in the log; returns the enterprise's USCC."""
    session = app.extensions["envcredit.db"].new_session()
    ent = create_enterprise(session)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    uscc = ent.uscc
    session.close()
    return uscc


#: where the webhook documentation lives
DOCS = (ROOT / "docs" / "webhooks.md",)


def _docs_text():
    return "\n".join(p.read_text(encoding="utf-8") for p in DOCS if p.exists())


def _documented_verifier():
    """verify_envcredit_signature exactly as the documentation prints it."""
    for block in re.findall(r"```python\n(.*?)```", _docs_text(), re.DOTALL):
        if "def verify_envcredit_signature" in block:
            namespace: dict = {}
            exec(compile(block, "webhook docs", "exec"), namespace)  # noqa: S102
            return namespace["verify_envcredit_signature"]
    raise AssertionError("the documented verifier was not found")


def test_register_needs_a_key_with_the_scope(hooks_app, receiver):
    client = hooks_app.test_client()
    assert client.post("/api/v1/webhooks", json={"url": receiver["url"]}).status_code == 401
    plain = _key(hooks_app, ("read",))
    assert (
        client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=plain).status_code
        == 403
    )
    created = client.post(
        "/api/v1/webhooks", json={"url": receiver["url"]}, headers=_key(hooks_app)
    )
    assert created.status_code == 201 and len(created.get_json()["secret"]) == 64


def test_created_webhook_has_a_location(hooks_app, receiver):
    client = hooks_app.test_client()
    headers = _key(hooks_app)
    created = client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=headers)
    hook_id = created.get_json()["id"]
    assert created.headers["Location"] == f"http://localhost/api/v1/webhooks/{hook_id}"
    shown = client.get(f"/api/v1/webhooks/{hook_id}", headers=headers).get_json()
    assert shown["url"] == receiver["url"] and shown["active"] is True
    assert "secret" not in shown


def test_signed_delivery_retry_and_removal(hooks_app, receiver):
    verify = _documented_verifier()
    client = hooks_app.test_client()
    headers = _key(hooks_app)
    created = client.post(
        "/api/v1/webhooks", json={"url": receiver["url"], "entities": ["penalty"]}, headers=headers
    ).get_json()
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
    (first_headers, _), (headers_got, body) = receiver["got"][-2:]
    assert verify(secret, headers_got["X-Envcredit-Signature"], body)
    assert (
        headers_got["X-Envcredit-Delivery"]
        == first_headers["X-Envcredit-Delivery"]
        == str(delivery.id)
    )  # a retry keeps the delivery id
    assert headers_got["X-Envcredit-Event-Seq"] == str(delivery.seq)
    assert headers_got["User-Agent"] == "envcredit-webhooks/2"
    assert headers_got["Content-Type"] == "application/json"
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


def test_documented_verifier_accepts_deliveries_and_refuses_stale_or_tampered(hooks_app, receiver):
    verify = _documented_verifier()
    client = hooks_app.test_client()
    created = client.post(
        "/api/v1/webhooks", json={"url": receiver["url"]}, headers=_key(hooks_app)
    ).get_json()
    _change(hooks_app)
    assert _drain(hooks_app) == 1
    headers, body = receiver["got"][-1]
    header, secret = headers["X-Envcredit-Signature"], created["secret"]
    signed_at = int(re.fullmatch(r"t=(\d+),v1=[0-9a-f]{64}", header).group(1))
    assert verify(secret, header, body)
    assert verify(secret, header, body, now=signed_at + 299)
    assert not verify(secret, header, body, now=signed_at + 301)  # a replay, too late
    assert not verify(secret, header, body + b" ")  # tampered body
    assert not verify(
        secret, header.replace(f"t={signed_at}", f"t={signed_at + 60}"), body, now=signed_at + 60
    )  # a fresher timestamp on an old signature
    assert not verify("0" * 64, header, body)
    legacy = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert not verify(secret, legacy, body)
    assert legacy not in headers.values()  # the unsigned-time scheme is gone


def test_payload_is_the_change_feed_event_with_iso_timestamps(hooks_app, receiver):
    client = hooks_app.test_client()
    client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=_key(hooks_app))
    uscc = _change(hooks_app)
    _drain(hooks_app)
    event = json.loads(receiver["got"][-1][1])
    feed = client.get("/api/v1/changes").get_json()["changes"]
    assert event == next(e for e in feed if e["seq"] == event["seq"])
    assert event["id"] == uscc
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", event["at"])


def test_delete_cancels_pending_deliveries_and_hides_the_hook(hooks_app, receiver):
    client = hooks_app.test_client()
    headers = _key(hooks_app)
    hook_id = client.post(
        "/api/v1/webhooks", json={"url": receiver["url"]}, headers=headers
    ).get_json()["id"]
    _change(hooks_app)
    with hooks_app.app_context():
        WebhookFanout().catch_up()
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=headers).status_code == 204
    assert _drain(hooks_app) == 0 and receiver["got"] == []
    log = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers).get_json()
    assert [(d["status"], d["next_attempt_at"]) for d in log] == [("cancelled", None)]
    assert client.get("/api/v1/webhooks", headers=headers).get_json() == []
    listed = client.get("/api/v1/webhooks?include_deleted=true", headers=headers).get_json()
    assert [(h["id"], h["active"], h["cancelled"]) for h in listed] == [(hook_id, False, 1)]
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=headers).status_code == 204


def test_delivered_deliveries_have_no_next_attempt(hooks_app, receiver):
    client = hooks_app.test_client()
    headers = _key(hooks_app)
    hook_id = client.post(
        "/api/v1/webhooks", json={"url": receiver["url"]}, headers=headers
    ).get_json()["id"]
    _change(hooks_app)
    _drain(hooks_app)
    [delivery] = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers).get_json()
    assert delivery["status"] == "delivered" and delivery["next_attempt_at"] is None
    assert delivery["delivered_at"] == delivery["last_attempt_at"]


def test_deliveries_show_only_the_coarse_outcome(hooks_app, receiver):
    client = hooks_app.test_client()
    headers = _key(hooks_app)
    hook_id = client.post(
        "/api/v1/webhooks", json={"url": receiver["url"]}, headers=headers
    ).get_json()["id"]
    _change(hooks_app)
    receiver["fail"] = 1
    _drain(hooks_app)
    response = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers)
    [delivery] = response.get_json()
    assert set(delivery) == {
        "id",
        "seq",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
    }
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    # no remote status or error text (timestamps may hold the digits 500 by chance)
    shown = [str(v) for k, v in delivery.items() if not k.endswith("_at")]
    assert not any("500" in value for value in shown)
    assert "Internal Server Error" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://100.64.0.1/", "private-address"),
        ("http://100.100.100.200/latest/meta-data/", "private-address"),
        ("http://[2002:7f00:1::]/", "private-address"),
        ("http://93.184.216.34:22/", "port"),
        ("http://93.184.216.34#@127.0.0.1/", "fragment"),
        ("http://127.0.0.1:9/x", "port"),
        ("http://127.0.0.1:8080/x", "private-address"),
        ("http://10.0.0.1/x", "private-address"),
        ("http://localhost/", "private-address"),
        ("http://2130706433/", "numeric-host"),
        ("file:///etc/passwd", "scheme"),
        ("http://user:pw@partner.test/x", "userinfo"),
        ("http://unknown.test/x", "does-not-resolve"),
    ],
)
def test_private_targets_are_refused_at_registration(client, app, url, reason):
    response = client.post("/api/v1/webhooks", json={"url": url}, headers=_key(app))
    assert response.status_code == 422, url
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {"url": [reason]}
    session = app.extensions["envcredit.db"].new_session()
    assert session.scalar(select(Webhook)) is None
    session.close()


def test_rebound_name_makes_the_delivery_refused_and_sends_nothing(client, app, network):
    headers = _key(app)
    created = client.post(
        "/api/v1/webhooks", json={"url": "https://partner.test/hook"}, headers=headers
    )
    assert created.status_code == 201
    hook_id = created.get_json()["id"]
    _change(app)
    _drain(app)  # public address: tried (the test connector refuses), to be retried
    assert network["asked"] == [("93.184.216.34", 443)]
    network["names"]["partner.test"] = ["127.0.0.1"]  # the name now points inside
    session = app.extensions["envcredit.db"].new_session()
    session.execute(
        update(WebhookDelivery).values(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    )
    session.commit()
    session.close()
    _drain(app)
    assert network["asked"] == [("93.184.216.34", 443)]  # no connection to 127.0.0.1
    [delivery] = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers).get_json()
    assert (delivery["status"], delivery["attempts"], delivery["next_attempt_at"]) == (
        "refused",
        2,
        None,
    )


def test_webhooks_per_key_are_capped(hooks_app, receiver):
    hooks_app.config["WEBHOOK_MAX_PER_CLIENT"] = 2
    client = hooks_app.test_client()
    mine, theirs = _key(hooks_app), _key(hooks_app, ("webhooks", "read"))
    ids = [
        client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=mine).get_json()[
            "id"
        ]
        for _ in range(2)
    ]
    refused = client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=mine)
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert "at most 2 active webhooks" in refused.get_json()["detail"]
    assert (
        client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=theirs).status_code
        == 201
    )
    client.delete(f"/api/v1/webhooks/{ids[0]}", headers=mine)
    assert (
        client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=mine).status_code
        == 201
    )
    session = hooks_app.extensions["envcredit.db"].new_session()
    assert len(list(session.scalars(select(Webhook).where(Webhook.active)))) == 3
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
    assert client.get(f"/api/v1/webhooks/{hook_id}", headers=theirs).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=theirs).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=mine).status_code == 204


def test_documented_example_is_what_the_sender_signs():
    from credit.partners.delivery import signature

    secret, body = (
        "4f2c" * 16,
        (
            b'{"at": "2026-12-01T19:24:50.999794+00:00", "entity": '
            b'"rating", "id": "91350100M000100Y43", "op": "delete", '
            b'"seq": 20587, "snapshot": null}'
        ),
    )
    header = signature(secret, 1764615890, body)
    assert header == (
        "t=1764615890,v1=0fe571e23da26fa5af59e36f8a93e79708e59af3bec6edc27dcfdef04af591df"
    )
    assert header.split("v1=")[1] in _docs_text()
    assert _documented_verifier()(secret, header, body, now=1764615890)


def test_a_dead_senders_lease_lasts_webhook_lease_seconds(hooks_app, receiver):
    """Leased deliveries come back to other senders after WEBHOOK_LEASE_SECONDS (default
    LEASE: ten sends' deadline and 30 s), counted from the lease."""
    from credit.partners.delivery import LEASE

    client = hooks_app.test_client()
    client.post("/api/v1/webhooks", json={"url": receiver["url"]}, headers=_key(hooks_app))
    _change(hooks_app)
    _change(hooks_app)
    session = hooks_app.extensions["envcredit.db"].new_session()
    with hooks_app.app_context():
        WebhookFanout().catch_up()
        for seconds, want in ((0, LEASE), (7, dt.timedelta(seconds=7))):
            hooks_app.config["WEBHOOK_LEASE_SECONDS"] = seconds
            before = dt.datetime.now(dt.UTC)
            (leased, *_), *_ = WebhookSender()._lease(limit=1)
            due = session.get(WebhookDelivery, leased).next_attempt_at
            assert before + want <= due <= dt.datetime.now(dt.UTC) + want
            session.rollback()
    session.close()
