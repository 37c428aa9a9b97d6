"""Webhook delivery: change-log rows fan out into deliveries, sent signed, retried with
backoff (at-least-once), never on a request's path (consumer threads or `flask worker`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Sequence

from flask import Flask, current_app
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.changelog import ChangeLog
from core.clock import today as china_today
from core.consumers import Consumer, register_consumer
from core.db import get_db, utcnow, writing
from openapi.changes import change_events
from openapi.models import Webhook, WebhookDelivery

MAX_ATTEMPTS = 10
LEASE = dt.timedelta(seconds=60)
TIMEOUT = 5.0


def signing_secret(secret_key: str, stored: str) -> str:
    """The partner's signing secret, derived from the app's key and the stored nonce.

    Only the nonce is stored, so the database alone does not reveal any signing secret.
    """
    return hmac.new(secret_key.encode(), f"webhook:{stored}".encode(),
                    hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


class WebhookFanout(Consumer):
    """One pending delivery per new change and subscribed webhook (same transaction as the
    watermark, so nothing is fanned out twice or lost)."""

    name = "webhooks"
    batch_size = 1000

    def process(self, session: Session, changes: Sequence[ChangeLog]) -> None:
        hooks = list(session.execute(select(Webhook.id, Webhook.entities)
                                     .where(Webhook.active)))
        if not hooks:
            return
        now = utcnow()
        rows = [{"webhook_id": hook_id, "seq": change.seq, "status": "pending", "attempts": 0,
                 "next_attempt_at": now}
                for change in changes for hook_id, entities in hooks
                if not entities or change.entity in entities.split()]
        if rows:
            session.execute(insert(WebhookDelivery), rows)


class WebhookSender(Consumer):
    """Sends due deliveries; a lease keeps two workers from sending the same one at once."""

    name = "webhook-sender"

    def pending(self, session: Session) -> int:
        """Deliveries due now (not yet sent, not leased, not given up)."""
        return int(session.scalar(
            select(func.count()).select_from(WebhookDelivery)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == "pending",
                   WebhookDelivery.next_attempt_at <= utcnow(), Webhook.active)) or 0)

    def run_once(self) -> int:
        leased = self._lease()
        for delivery_id, url, stored, seq in leased:
            self._send(delivery_id, url, stored, seq)
        return len(leased)

    def _lease(self, limit: int = 50) -> list[tuple[int, str, str, int]]:
        db = get_db()
        with writing():
            session = db.new_session()
            try:
                now = utcnow()
                stmt = (select(WebhookDelivery, Webhook.url, Webhook.secret)
                        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                        .where(WebhookDelivery.status == "pending",
                               WebhookDelivery.next_attempt_at <= now, Webhook.active)
                        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                        .limit(limit))
                if session.get_bind().dialect.name == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
                out = []
                for delivery, url, stored in session.execute(stmt):
                    delivery.next_attempt_at = now + LEASE
                    out.append((delivery.id, url, stored, delivery.seq))
                session.commit()
                return out
            finally:
                session.close()

    def _send(self, delivery_id: int, url: str, stored: str, seq: int) -> None:
        db = get_db()
        session = db.new_session()
        try:
            change = session.get(ChangeLog, seq)
            event = change_events(session, [change], china_today())[0] if change else None
            body = json.dumps(event, ensure_ascii=False, default=str).encode()
            secret = signing_secret(current_app.config["SECRET_KEY"], stored)
            status, error = post(url, body, {"X-Envcredit-Signature": signature(secret, body),
                                             "X-Envcredit-Event-Seq": str(seq),
                                             "X-Envcredit-Delivery": str(delivery_id)})
            session.rollback()
            with writing():
                record_attempt(session, delivery_id, status, error)
                session.commit()
        finally:
            session.close()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """POST the event; (HTTP status, error text)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": "envcredit-webhooks/1", **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))[:200]


def record_attempt(session: Session, delivery_id: int, status: int | None,
                   error: str | None) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    delivery.attempts += 1
    delivery.last_status_code = status
    delivery.last_error = error
    if status is not None and 200 <= status < 300:
        delivery.status = "delivered"
        delivery.delivered_at = utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)


def init_webhooks(app: Flask) -> None:
    register_consumer(app, WebhookFanout())
    register_consumer(app, WebhookSender())
