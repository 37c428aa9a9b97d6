"""Replies of enterprises to their records or rating, with the moderation decision."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: what a reply may answer: the record kinds' change-log entities, or the rating
TARGETS = ("penalty", "inspection", "permit", "disclosure", "rating")
STATUSES = ("pending", "held", "approved", "rejected", "superseded")
REPLY_ENTITY = "reply"


class Reply(Base):
    """One explanation (≤ 500 characters) an enterprise user wrote; public once approved."""

    __tablename__ = "enterprise_replies"
    __table_args__ = (
        enum_check("target_type", TARGETS),
        enum_check("status", STATUSES),
        CheckConstraint(
            "(target_id IS NULL) = (target_type = 'rating')", name="target_id_unless_rating"
        ),
        Index("ix_enterprise_replies_status_region", "status", "region_code"),
    )
    entity = REPLY_ENTITY

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    #: the enterprise's region when filed (the moderators' scope)
    region_code: Mapped[str] = mapped_column(String(6))
    target_type: Mapped[str] = mapped_column(String(16))
    #: the record's id (None for the rating)
    target_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    #: pending, held (personal data found), approved (public), rejected, superseded (a later
    #: approved reply to the same target replaced it)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: the kinds of personal data found (``phone id_card email``), never the data
    held_reasons: Mapped[str | None] = mapped_column(String(40))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the China date it became public (shown next to it)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    #: the moderator's reason for a rejection (told to the enterprise, never public)
    decision_note: Mapped[str | None] = mapped_column(String(500))
