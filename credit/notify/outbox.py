"""The mail outbox: mails are queued in the transaction of the write that causes them and
handed to SMTP by :class:`MailSender` (a consumer thread or `flask worker`), never on a
request's path: at-least-once, retried with backoff, each attempt in the delivery log.

Without ``SMTP_URL`` the sender sends nothing and mails stay ``pending`` (they go out once
it is configured). A mail accepted by SMTP whose ``sent`` could not be recorded (a crash in
between) is sent again: its ``Message-ID`` stays the same, so a mail client shows it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.consumers import Consumer
from core.db import get_db, utcnow, writing
from core.mail import Outgoing, Result, mail_enabled, send_batch
from core.outbound import retry_delay
from credit.notify.letters import Letter, Rendered, render
from credit.notify.models import MailOutbox

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
#: mails one lease takes (one SMTP connection)
BATCH = 50
#: a leased mail is taken up again after this, should its sender die
LEASE = dt.timedelta(minutes=10)
#: mails whose dedupe key starts so (to anonymous reporters) keep no address once done with
FORGET_ADDRESS = "tipoff-anon:"


def backoff(attempts: int) -> dt.timedelta:
    """1 min, 2, 4 … capped at six hours."""
    return retry_delay(attempts, dt.timedelta(minutes=1), dt.timedelta(hours=6))


def mail_row(
    kind: str,
    to: str,
    letter: Letter | Rendered,
    dedupe_key: str | None = None,
    subscription_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One outbox row's values (for :func:`queue_mails`), from a letter or its rendering."""
    rendered = letter if isinstance(letter, Rendered) else render(letter)
    return {
        "kind": kind,
        "to_address": to,
        "subject": rendered.subject[:300],
        "text_body": rendered.text,
        "html_body": rendered.html,
        "headers": headers or {},
        "dedupe_key": dedupe_key,
        "subscription_id": subscription_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }


def queue_mails(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Queue mails in the caller's transaction; a row whose ``dedupe_key`` is already queued
    (or sent) is skipped, so a consumer applying the same change twice mails once."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    keyed = [r for r in rows if r["dedupe_key"]]
    plain = [r for r in rows if not r["dedupe_key"]]
    if keyed:
        stmt = dialect_insert(MailOutbox).on_conflict_do_nothing(index_elements=["dedupe_key"])
        session.execute(stmt, keyed)
    if plain:
        session.execute(insert(MailOutbox), plain)


def _outgoing(mail: MailOutbox) -> Outgoing:
    headers = dict(mail.headers or {})
    headers["Message-ID"] = message_id(mail.id)
    return Outgoing(mail.to_address, mail.subject, mail.text_body, mail.html_body, headers)


def message_id(mail_id: int) -> str:
    """A Message-ID that stays the same on every attempt of one outbox row."""
    from email.utils import parseaddr

    sender = parseaddr(str(current_app.config.get("MAIL_FROM") or ""))[1]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<envcredit-mail-{mail_id}@{domain}>"


class MailSender(Consumer):
    """Hands due outbox mails to SMTP; a lease keeps two workers from sending one twice."""

    name = "mail-sender"

    def pending(self, session: Session) -> int:
        """Mails due now (0 while SMTP_URL is unset: nothing can be sent)."""
        if not mail_enabled():
            return 0
        due = select(func.count()).where(
            MailOutbox.status == "pending", MailOutbox.next_attempt_at <= utcnow()
        )
        return int(session.scalar(due) or 0)

    def run_once(self) -> int:
        if not mail_enabled():
            return 0
        leased = self._lease()
        if not leased:
            return 0
        results = send_batch([item for _, item in leased])
        self._record([mail_id for mail_id, _ in leased], results)
        return len(leased)

    def _lease(self) -> list[tuple[int, Outgoing]]:
        db = get_db()
        with writing():
            session = db.new_session()
            try:
                now = utcnow()
                stmt = (
                    select(MailOutbox)
                    .where(MailOutbox.status == "pending", MailOutbox.next_attempt_at <= now)
                    .order_by(MailOutbox.next_attempt_at, MailOutbox.id)
                    .limit(BATCH)
                )
                if session.get_bind().dialect.name == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True)
                leased = []
                for mail in session.scalars(stmt):
                    mail.next_attempt_at = now + LEASE
                    leased.append((mail.id, _outgoing(mail)))
                session.commit()
                return leased
            finally:
                session.close()

    def _record(self, ids: list[int], results: list[Result]) -> None:
        db = get_db()
        with writing():
            session = db.new_session()
            try:
                # one read of the batch: record_attempt then finds each in the identity map,
                # and the updates go out together at commit
                session.scalars(select(MailOutbox).where(MailOutbox.id.in_(ids))).all()
                for mail_id, result in zip(ids, results, strict=True):
                    record_attempt(session, mail_id, result)
                session.commit()
            finally:
                session.close()
        failures = [r.error for r in results if r.outcome != "sent"]
        if failures:
            log.info("mail: %s of %s not sent (%s)", len(failures), len(ids), failures[0])


def record_attempt(session: Session, mail_id: int, result: Result) -> None:
    """Log one attempt: ``sent``, ``rejected`` (failed for good) or ``retry`` with backoff."""
    mail = session.get(MailOutbox, mail_id)
    if mail is None or mail.status != "pending":  # cancelled meanwhile
        return
    now = utcnow()
    mail.attempts += 1
    mail.last_attempt_at = now
    mail.next_attempt_at = None
    if result.outcome == "sent":
        mail.status = "sent"
        mail.sent_at = now
        mail.last_error = None
    else:
        mail.last_error = result.error[:200]
        if result.outcome == "rejected" or mail.attempts >= MAX_ATTEMPTS:
            mail.status = "failed"
        else:
            mail.next_attempt_at = now + backoff(mail.attempts)
    if mail.status != "pending" and (mail.dedupe_key or "").startswith(FORGET_ADDRESS):
        mail.to_address = ""  # the delivery log keeps when and how, not to whom


def queue_depth(session: Session) -> int:
    """Mails in the outbox not yet sent nor given up (due now or waiting to retry)."""
    return int(session.scalar(select(func.count()).where(MailOutbox.status == "pending")) or 0)
