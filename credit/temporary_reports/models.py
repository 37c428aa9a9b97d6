"""Temporary disclosure reports filed by enterprises: one per penalty."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

TEMPORARY_REPORT_ENTITY = "temporary_report"


class TemporaryReport(Base):
    """The enterprise's temporary report (临时报告) about one penalty (the event it owes it for).

    The obligation itself is not stored: it follows from the penalty and the obliged list
    (``credit.temporary_reports.obligations``)."""

    __tablename__ = "temporary_reports"
    __table_args__ = (
        UniqueConstraint("penalty_id"),
        CheckConstraint("length(content) > 0", name="content_required"),
    )
    entity = TEMPORARY_REPORT_ENTITY

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    #: the event the report answers: an administrative penalty of the enterprise
    penalty_id: Mapped[int] = mapped_column(ForeignKey("penalties.id", ondelete="CASCADE"))
    #: the report's text (public)
    content: Mapped[str] = mapped_column(Text)
    #: where the full report is published (optional, http(s); public)
    url: Mapped[str | None] = mapped_column(String(500))
    #: the China date of filing: on time when on or before the due date
    filed_on: Mapped[dt.date] = mapped_column(Date)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
