"""The mail outbox with its delivery log, and e-mail subscriptions.

Neither table is public: no change-log row, export, feed or log line carries their data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: pending: to be handed to SMTP at next_attempt_at (also while SMTP_URL is unset: queued
#: mail goes out once it is configured); sent: SMTP accepted it; failed: given up after
#: MAX_ATTEMPTS or rejected for good (5xx); cancelled: its subscription ended first
MAIL_STATUSES = ("pending", "sent", "failed", "cancelled")
MAIL_KINDS = ("confirmation", "notification", "digest")
TARGET_TYPES = ("enterprise", "region", "industry")
#: new penalties, rating changes, missed disclosures
EVENTS = ("penalty", "rating", "disclosure")
FREQUENCIES = ("instant", "weekly")
SUBSCRIPTION_STATUSES = ("pending", "confirmed")


class MailOutbox(Base):
    """One mail to send, written in the transaction of the write that caused it."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        enum_check("status", MAIL_STATUSES),
        enum_check("kind", MAIL_KINDS),
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    #: extra headers (List-Unsubscribe, List-Unsubscribe-Post)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: what caused it, once: e.g. "sub:12:penalty:345"; a second queueing is a no-op
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: when the sender takes it up next (a lease pushes it on); None once not pending
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the last failure, short and without addresses ("connection refused", "SMTP 451")
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Subscription(Base):
    """Someone's e-mail following one enterprise, region or industry (no account needed)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        enum_check("target_type", TARGET_TYPES),
        enum_check("frequency", FREQUENCIES),
        enum_check("status", SUBSCRIPTION_STATUSES),
        UniqueConstraint("email", "target_type", "target_code", "status"),
        Index("ix_subscriptions_target", "target_type", "target_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: lower-cased; never shown, exported or logged
    email: Mapped[str] = mapped_column(String(320))
    target_type: Mapped[str] = mapped_column(String(16))
    #: a USCC, a six-digit region code (its districts included) or a GB/T 4754 code
    target_code: Mapped[str] = mapped_column(String(18))
    #: space-separated EVENTS
    events: Mapped[str] = mapped_column(String(64))
    frequency: Mapped[str] = mapped_column(String(8), default="instant")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: keyed hash of the confirmation token mailed (core.keyed_hash); None once confirmed
    token_hash: Mapped[str | None] = mapped_column(String(100), unique=True)
    #: random; the unsubscribe token is a keyed digest of id and nonce (nothing to look up)
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the last weekly digest (or the confirmation, before the first one)
    digest_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DigestItem(Base):
    """An event waiting for a weekly digest (deleted once the digest is queued)."""

    __tablename__ = "subscription_digest_items"
    __table_args__ = (UniqueConstraint("subscription_id", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    #: e.g. "penalty:345": the same event is listed once
    event_key: Mapped[str] = mapped_column(String(80))
    #: the event's line, zh-CN and English
    line_zh: Mapped[str] = mapped_column(String(500))
    line_en: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TipOffNotifyAddress(Base):
    """An anonymous reporter's address for news of their report, and nothing else.

    Kept apart from the tip-off row and from every identity field (an anonymous report has
    none); deleted once the case is closed and its closing mail queued.
    """

    __tablename__ = "tipoff_notify_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(
        ForeignKey("tipoffs.id", ondelete="CASCADE"), unique=True
    )
    #: lower-cased; never shown, exported or logged
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DigestOptOut(Base):
    """A regulator who asked not to get the daily digest of their to-do list (no row: they
    get it)."""

    __tablename__ = "digest_opt_outs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
