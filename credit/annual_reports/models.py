"""Annual disclosure reports filed online: one per enterprise and year, a draft until it is
submitted; then its content is frozen (``snapshot``) and never changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

STATUSES = ("draft", "submitted")


class AnnualReport(Base):
    """The annual report of ``enterprise_id`` for ``year``: the form's answers (``payload``)
    while a draft; at submission the whole report as published (``snapshot``)."""

    __tablename__ = "annual_reports"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        CheckConstraint("year >= 1990 AND year <= 2100", name="year_range"),
        enum_check("status", STATUSES),
        CheckConstraint(
            "status = 'draft' OR (submitted_at IS NOT NULL AND snapshot IS NOT NULL)",
            name="submitted_is_frozen",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: the answers, {part key: {field key: text}}; emissions as a list of {pollutant, tonnes}
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: who saved last (an enterprise user) and when
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the submission's calendar date in China (the disclosure date of the year)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    #: the published report, frozen at submission: parts, prefilled records, rating
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: plausibility flags for the regulator (never block submission), see plausibility.py
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
