"""One-time activation codes of enterprise accounts (only their keyed hash is stored)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow
from core.users import ENTERPRISE_ROLES


class ActivationCode(Base):
    """A code a regulator (or the enterprise's manager) issued: it opens one account of
    ``role`` for ``enterprise_id``, once, before ``expires_at``."""

    __tablename__ = "enterprise_activation_codes"
    __table_args__ = (enum_check("role", ENTERPRISE_ROLES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(24))
    #: core.keyed_hash of the code (purpose ``enterprise-activation``)
    code_hash: Mapped[str] = mapped_column(String(100), unique=True)
    #: who issued it: ``user:N`` or ``cli:NAME`` (the audit actor)
    issued_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
