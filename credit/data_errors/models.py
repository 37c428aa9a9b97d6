"""Reports of errors in public records (数据纠错)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: the records a report can be about (change-log entities; ids as the change log's)
RECORD_TYPES = ("enterprise", "penalty", "inspection", "permit", "disclosure")
#: open: 核查中; corrected: the record was wrong and has been corrected; no_error: it was right
STATUSES = ("open", "corrected", "no_error")


class DataErrorReport(Base):
    """One report of an error in a public record, and the regulator's answer."""

    __tablename__ = "data_error_reports"
    __table_args__ = (
        enum_check("record_type", RECORD_TYPES),
        enum_check("status", STATUSES),
        CheckConstraint("length(description) > 0", name="description_required"),
        Index("ix_data_error_reports_record", "record_type", "record_id", "status"),
        Index("ix_data_error_reports_region_status", "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: public reference shown to the reporter, e.g. SJ-7K3M9Q2W4T
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    record_type: Mapped[str] = mapped_column(String(16))
    #: the record's public id (USCC for an enterprise, the numeric id otherwise)
    record_id: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    #: the owning regulator's region: the enterprise's region when the report was filed
    region_code: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text)
    #: the reporter's contact: only handling officers see it (never pages, API, logs)
    contact: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: the answer deadline (China date, working days from filing)
    due_on: Mapped[dt.date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
