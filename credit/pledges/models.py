"""Signed credit pledges: one per enterprise and year."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

PLEDGE_ENTITY = "pledge"


class CreditPledge(Base):
    """A manager signed the configured pledge text (``version``) for ``year``."""

    __tablename__ = "credit_pledges"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)
    entity = PLEDGE_ENTITY

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    #: the calendar year the pledge is for (the China year it was signed in)
    year: Mapped[int] = mapped_column(Integer)
    #: the pledge text's version (credit/pledges/pledge.toml) the manager signed
    version: Mapped[str] = mapped_column(String(20))
    #: the signing manager's name as typed (kept for the regulator, never public)
    signer_name: Mapped[str] = mapped_column(String(100))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the China date of signing (shown publicly)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
