"""The PostgreSQL search backend's document table (a derived copy, rebuildable)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

TsVector = TSVECTOR().with_variant(Text(), "sqlite")


class SearchDocument(Base):
    """One searchable document; ``tsv`` holds jieba-segmented text (config 'simple')."""

    __tablename__ = "search_documents"
    __table_args__ = (Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    #: " "-joined lower-case codes (USCC, permit and decision numbers) for exact lookups
    codes: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str] = mapped_column(String(5), index=True)
    level: Mapped[str] = mapped_column(String(8))
    year: Mapped[str] = mapped_column(String(4))
    date: Mapped[dt.date | None] = mapped_column(Date)
    tsv: Mapped[str] = mapped_column(TsVector)
