"""Webhook delivery: change-log rows fan out into deliveries, sent signed, retried with
backoff (at-least-once), never on a request's path (consumer threads or `flask worker`).

Every attempt goes through :mod:`core.outbound`, which re-checks the URL's addresses each
time (a name that now resolves to a private address is refused, security F2) and never
follows a redirect. The partner sees only the coarse outcome; the detail goes to the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Sequence

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core import outbound
from core.changelog import ChangeLog
from core.clock import today as china_today
from core.consumers import Consumer
from core.db import get_db, utcnow, writing
from credit.partners.feed import change_event, event_payload
from credit.partners.models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10
#: deliveries one lease takes; each may take outbound.DEADLINE, all within LEASE
LEASE_BATCH = 10
LEASE = dt.timedelta(seconds=LEASE_BATCH * outbound.DEADLINE + 30)
USER_AGENT = "envcredit-webhooks/2"
#: how old a signature's timestamp a receiver should still accept (documented, not enforced here)
SIGNATURE_TOLERANCE = dt.timedelta(minutes=5)


def lease() -> dt.timedelta:
    """How long leased deliveries stay with their sender: LEASE, or WEBHOOK_LEASE_SECONDS.

    After a sender dies holding a lease, its deliveries wait this long before another
    sender takes them. A shorter lease only suits receivers that answer well within it
    (the multi-host rehearsal's on loopback): a live sender must finish before it ends.
    """
    seconds = current_app.config.get("WEBHOOK_LEASE_SECONDS") or 0
    return dt.timedelta(seconds=seconds) if seconds > 0 else LEASE


def signing_secret(secret_key: str, stored: str) -> str:
    """The partner's signing secret, derived from the app's key and the stored nonce.

    Only the nonce is stored, so the database alone does not reveal any signing secret.
    """
    return hmac.new(secret_key.encode(), f"webhook:{stored}".encode(), hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event_body(event: dict) -> bytes:
    """The delivery body: the change event serialised exactly as ``/changes`` does."""
    return current_app.json.dumps(event_payload(event)).encode()


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return outbound.retry_delay(attempts, dt.timedelta(seconds=30), dt.timedelta(hours=1))


class WebhookFanout(Consumer):
    """One pending delivery per new change and subscribed webhook (same transaction as the
    watermark, so nothing is fanned out twice or lost)."""

    name = "webhooks"
    batch_size = 1000

    def process(self, session: Session, changes: Sequence[ChangeLog]) -> None:
        hooks = list(session.execute(select(Webhook.id, Webhook.entities).where(Webhook.active)))
        if not hooks:
            return
        now = utcnow()
        rows = [
            {
                "webhook_id": hook_id,
                "seq": change.seq,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for change in changes
            for hook_id, entities in hooks
            if not entities or change.entity in entities.split()
        ]
        if rows:
            session.execute(insert(WebhookDelivery), rows)


class WebhookSender(Consumer):
    """Sends due deliveries; a lease keeps two workers from sending the same one at once."""

    name = "webhook-sender"

    def pending(self, session: Session) -> int:
        """Deliveries due now (not yet sent, not leased, not given up)."""
        return int(
            session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= utcnow(),
                    Webhook.active,
                )
            )
            or 0
        )

    def run_once(self) -> int:
        leased = self._lease()
        for delivery_id, hook_id, url, stored, seq in leased:
            self._send(delivery_id, hook_id, url, stored, seq)
        return len(leased)

    def _lease(self, limit: int = LEASE_BATCH) -> list[tuple[int, int, str, str, int]]:
        db = get_db()
        with writing():
            session = db.new_session()
            try:
                now = utcnow()
                stmt = (
                    select(WebhookDelivery, Webhook.url, Webhook.secret)
                    .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                    .where(
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                        Webhook.active,
                    )
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                    .limit(limit)
                )
                if session.get_bind().dialect.name == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
                out = []
                until = now + lease()
                for delivery, url, stored in session.execute(stmt):
                    delivery.next_attempt_at = until
                    out.append((delivery.id, delivery.webhook_id, url, stored, delivery.seq))
                session.commit()
                return out
            finally:
                session.close()

    def _send(self, delivery_id: int, hook_id: int, url: str, stored: str, seq: int) -> None:
        db = get_db()
        session = db.new_session()
        try:
            event = change_event(session, seq, china_today())
            body = event_body(event) if event is not None else b"null"
            session.rollback()
            outcome = deliver(
                url,
                body,
                signing_secret(current_app.config["SECRET_KEY"], stored),
                seq,
                delivery_id,
            )
            if outcome.kind != "delivered":
                log.info(
                    "webhook %s delivery %s: %s (%s)",
                    hook_id,
                    delivery_id,
                    outcome.kind,
                    outcome.detail,
                )
            with writing():
                record_attempt(session, delivery_id, outcome.kind)
                session.commit()
        finally:
            session.close()


def deliver(url: str, body: bytes, secret: str, seq: int, delivery_id: int) -> outbound.Outcome:
    """One signed POST of ``body`` through the outbound guard."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Envcredit-Signature": signature(secret, int(utcnow().timestamp()), body),
        "X-Envcredit-Event-Seq": str(seq),
        "X-Envcredit-Delivery": str(delivery_id),
    }
    return outbound.post(
        url, body, headers, allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))
    )


def record_attempt(session: Session, delivery_id: int, kind: str) -> None:
    """Count an attempt that ended ``delivered``, ``failed`` (retried later) or ``refused``."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":  # cancelled meanwhile
        return
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.next_attempt_at = None
    if kind == "delivered":
        delivery.status = "delivered"
        delivery.delivered_at = now
    elif kind == "refused":
        delivery.status = "refused"
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)


def cancel_deliveries(session: Session, webhook_id: int) -> None:
    """Pending deliveries of a deleted webhook end as ``cancelled`` (flushes, no commit)."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending")
        .values(status="cancelled", next_attempt_at=None)
    )


def queue_depth(session: Session) -> int:
    """Webhook deliveries not yet delivered nor given up (due now or waiting to retry)."""
    count = select(func.count()).where(WebhookDelivery.status == "pending")
    return int(session.scalar(count) or 0)
