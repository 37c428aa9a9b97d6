"""One row per enterprise and year it is obliged to disclose (办法 Art. 9: the city's list)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class DisclosureObligation(Base):
    """``enterprise_id`` must publish its annual report for ``year`` (due next spring)."""

    __tablename__ = "disclosure_obligations"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        CheckConstraint("year >= 1990 AND year <= 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    #: where the row came from (``import``: a file or POST /api/v1/records/obligations)
    source: Mapped[str] = mapped_column(String(32), default="import")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
