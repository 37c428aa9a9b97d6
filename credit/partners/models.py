"""Webhook subscriptions and their delivery log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: pending: to be sent (again) at next_attempt_at; delivered: the receiver answered 2xx;
#: failed: given up after MAX_ATTEMPTS; refused: the outbound guard would not send to the
#: URL's addresses; cancelled: the webhook was deleted first
DELIVERY_STATUSES = ("pending", "delivered", "failed", "refused", "cancelled")


class Webhook(Base):
    """A partner's URL that receives signed change events."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: a nonce; the signing secret is HMAC(SECRET_KEY, nonce), shown once at registration
    secret: Mapped[str] = mapped_column(String(100))
    #: space-separated entity types to deliver ("" = all)
    entities: Mapped[str] = mapped_column(String(200), default="")
    #: False once deleted: nothing more is fanned out or sent
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One change event to deliver to one webhook, with its retry state."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        enum_check("status", DELIVERY_STATUSES),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: when the sender takes it up next; None once it is no longer pending
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class SyncReceipt(Base):
    """A partner's acknowledgement that its mirror has applied the change feed up to ``seq``
    (``POST /api/v1/changes/ack``). Only acknowledgements that move a partner forward are
    kept, so the first receipt at or past a seq says when that partner had it."""

    __tablename__ = "sync_receipts"
    __table_args__ = (Index("ix_sync_receipts_client_seq", "api_client_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
