"""Tip-offs (举报) from citizens.

They live in the credit file because a substantiated tip-off counts in the rating
(rule ``tipoff.substantiated``); the portal and the regulators' queue are in ``disclosure``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

TIPOFF_CATEGORIES = (
    "air",
    "water",
    "noise",
    "solid_waste",
    "soil",
    "radiation",
    "ecology",
    "other",
)
TIPOFF_STATUSES = ("received", "accepted", "rejected", "assigned", "investigating", "closed")
TIPOFF_SEVERITIES = ("routine", "general", "major", "critical")  # 日常 一般 较大 重大
TIPOFF_SOURCES = ("web", "api", "open311")
#: "unplaced": filed (through Open311) at a location no region could be found for; it waits
#: in the triage queue until a regulator places it
TIPOFF_PLACEMENTS = ("placed", "unplaced")


class TipOff(Base):
    """A citizen's report of pollution. Reporter fields never leave the regulator pages."""

    __tablename__ = "tipoffs"
    __table_args__ = (
        enum_check("category", TIPOFF_CATEGORIES),
        enum_check("status", TIPOFF_STATUSES),
        enum_check("severity", TIPOFF_SEVERITIES, nullable=True),
        enum_check("source", TIPOFF_SOURCES),
        enum_check("placement", TIPOFF_PLACEMENTS),
        CheckConstraint(
            "placement = 'unplaced' OR region_code IS NOT NULL", name="placed_has_region"
        ),
        CheckConstraint(
            "length(description) >= 10 AND length(description) <= 4000", name="description_length"
        ),
        CheckConstraint(
            "latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"
        ),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"
        ),
        CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_self_dup"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: what the reporter types to follow the report, e.g. JB-7K3M-9QX2
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    #: keyed hash (``hmac-sha256$…``, core.keyed_hash) of the secret shown once to the
    #: reporter; rows filed before keyed hashes hold argon2 until the secret's next use
    secret_hash: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    #: the handling region; None only for an unplaced report without a triage region
    region_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.code"), index=True
    )
    placement: Mapped[str] = mapped_column(String(16), default="placed", server_default="placed")
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    #: the polluter as the reporter typed it when the registry does not know it (or knows
    #: several by that name); the handling officer resolves it. None when ``enterprise_id``
    #: was found or no enterprise was named
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    #: a named reporter asked for e-mail news of the report at ``reporter_email``
    #: (anonymous reporters' addresses: ``credit.notify.models.TipOffNotifyAddress``)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    severity: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="web")
    #: acceptance decision due (15 days after receipt)
    accept_due_at: Mapped[dt.date] = mapped_column(Date)
    #: closure due (60 days after receipt, +≤30 once with a stated reason)
    due_at: Mapped[dt.date] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    public_outcome: Mapped[str | None] = mapped_column(Text)
    #: None until closed; then whether the report was borne out
    substantiated: Mapped[bool | None] = mapped_column(Boolean)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tipoffs.id"))
    #: eligible for a reward under 有奖举报
    reward_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reopen_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class TipOffEvent(Base):
    """One step of a tip-off's timeline."""

    __tablename__ = "tipoff_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: received, accepted, rejected, assigned, classified, investigating, extended, closed,
    #: reporter_info, reopen_requested, reopened, reopen_declined, duplicate, reward
    #: (which of them a merged report shows: ``tipoff_service.CASE_EVENTS``)
    kind: Mapped[str] = mapped_column(String(32))
    #: "reporter", "system" or "user:<id>"; shown publicly only as a role
    actor: Mapped[str] = mapped_column(String(64))
    #: text the reporter and the public status page may see
    public_note: Mapped[str | None] = mapped_column(Text)
    #: text for regulators only
    internal_note: Mapped[str | None] = mapped_column(Text)


class Attachment(Base):
    """A file attached to a tip-off; images are re-encoded without metadata."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id", ondelete="CASCADE"), index=True)
    #: the uploaded name, sanitised; never used as a path
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: file name inside the instance's upload folder (random, server-chosen)
    storage_name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TipOffReceipt(Base):
    """A new tip-off's one-time receipt, waiting (ten minutes at most) to be shown once.

    The filer's session cookie holds only a random token; this row is found by the token's
    keyed hash and holds the secret encrypted with a pad derived from the token, so neither
    the database alone nor the cookie once the receipt was shown (the row is deleted then)
    reveals the secret.
    """

    __tablename__ = "tipoff_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: keyed hash of the receipt token in the filer's session cookie
    token_hash: Mapped[str] = mapped_column(String(100), unique=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id", ondelete="CASCADE"), index=True)
    #: the secret XOR a pad derived from the token, hex
    sealed_secret: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class TipOffFeedback(Base):
    """The reporter's one answer to the closure questionnaire (回访): resolved or not, how
    satisfied (满意度), and an optional comment for the handling office only."""

    __tablename__ = "tipoff_feedback"
    __table_args__ = (
        CheckConstraint("satisfaction >= 1 AND satisfaction <= 5", name="satisfaction_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: one answer per tip-off: it cannot be changed once given
    tipoff_id: Mapped[int] = mapped_column(
        ForeignKey("tipoffs.id", ondelete="CASCADE"), unique=True
    )
    resolved: Mapped[bool] = mapped_column(Boolean)
    #: 5 非常满意, 4 满意, 3 一般, 2 不满意, 1 非常不满意
    satisfaction: Mapped[int] = mapped_column(Integer)
    #: the reporter's own words; shown to the handling office, never published or counted
    comment: Mapped[str | None] = mapped_column(Text)
    #: the China date of the answer: the month /stats counts it in
    answered_on: Mapped[dt.date] = mapped_column(Date, index=True)
    #: "not resolved" inside the reopen window: the answer asked to reopen the report
    reopen_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DuplicateDismissal(Base):
    """A regulator's "not the same problem" on a pair flagged as likely duplicates
    (``credit.tipoffs.duplicates``): the pair is not flagged again. The pair is stored in
    order (``low_id`` < ``high_id``) so it is kept once whichever report it was said on."""

    __tablename__ = "tipoff_duplicate_dismissals"
    __table_args__ = (
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="ordered_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
