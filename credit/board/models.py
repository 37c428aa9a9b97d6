"""Board messages: what a citizen posted, how it was moderated and how it was answered.

Public pages show only a published message's category, title, text, pseudonym, dates and
the answer with the office (科室) that gave it; who moderated or answered, the reasons a
message was held or refused, and the text of refused messages stay on the regulator side.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow
from credit.board.config import CATEGORIES

#: pending: waiting for a moderator; held: personal data found automatically (reasons in
#: ``held_reasons``); published: public; rejected: refused with a reason, never public
MESSAGE_STATUSES = ("pending", "held", "published", "rejected")
#: what the automatic check looks for
PERSONAL_DATA_KINDS = ("phone", "id_card", "email")


class BoardMessage(Base):
    """One message on the board (厅长我留言)."""

    __tablename__ = "board_messages"
    __table_args__ = (
        enum_check("category", CATEGORIES),
        enum_check("status", MESSAGE_STATUSES),
        CheckConstraint("length(title) >= 4 AND length(title) <= 100", name="title_length"),
        CheckConstraint("length(body) >= 10 AND length(body) <= 2000", name="body_length"),
        CheckConstraint(
            "status <> 'rejected' OR moderation_note IS NOT NULL", name="rejected_has_reason"
        ),
        CheckConstraint(
            "(answer IS NULL) = (answered_at IS NULL)"
            " AND (answer IS NULL) = (answer_office IS NULL)",
            name="answer_complete",
        ),
        CheckConstraint("answer IS NULL OR status = 'published'", name="answered_is_published"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the department (region) the message is addressed to; its regulators moderate it
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    #: the name shown with the message: a pseudonym the poster chose, or 网友
    display_name: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    #: space-separated PERSONAL_DATA_KINDS found in the text when it was posted or edited
    held_reasons: Mapped[str | None] = mapped_column(String(64))
    #: the moderator's reason for a refusal, or a note on an approval (never public)
    moderation_note: Mapped[str | None] = mapped_column(String(500))
    moderated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: the China working day by which the answer is due (board.toml, from receipt)
    answer_due_on: Mapped[dt.date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    #: the office (科室) that signs the answer; the person who wrote it is not shown
    answer_office: Mapped[str | None] = mapped_column(String(60))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the tip-off staff filed from this message, if any
    tipoff_id: Mapped[int | None] = mapped_column(ForeignKey("tipoffs.id"), unique=True)
    #: the supervision case staff opened from this message, if any
    case_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_cases.id"), unique=True)
