"""The import log: one row per successful import of records (a file or a push)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: how records came in: `flask records import` (a file) or `POST /api/v1/records/{kind}`
CHANNELS = ("file", "api")


class ImportRun(Base):
    """A committed import: which kind, by which channel, from where, how many rows, when."""

    __tablename__ = "import_runs"
    __table_args__ = (
        enum_check("channel", CHANNELS),
        Index("ix_import_runs_kind_channel", "kind", "channel", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the import kind (`records import --kind`), e.g. penalties
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    #: the file's name or the API client's name (regulators' information, not public)
    source: Mapped[str] = mapped_column(String(200))
    #: rows read (created + updated + unchanged)
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
