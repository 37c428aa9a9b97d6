"""Persisted ratings: one row per computed rating, history kept, one current per enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow
from credit.ratings.levels import LEVELS


class CreditRating(Base):
    """A rating of an enterprise; history is kept, one row per enterprise is current."""

    __tablename__ = "credit_ratings"
    entity: ClassVar[str] = "rating"
    __table_args__ = (
        enum_check("level", LEVELS),
        enum_check("computed_level", LEVELS),
        CheckConstraint("score >= -1000 AND score <= 1000", name="score_range"),
        Index(
            "uq_credit_ratings_current",
            "enterprise_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        Index("ix_credit_ratings_history", "enterprise_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: "<rulebook name>@<version>", e.g. cn-default@2026.1
    rulebook_version: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    #: the published level: the computed one, or an approved adjustment's
    level: Mapped[str] = mapped_column(String(8), index=True)
    computed_level: Mapped[str] = mapped_column(String(8))
    #: [{rule, points, source: {type, id}, ...}]
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: credit.ratings.engine.explanation_digest of the explanation: rescoring tells "unchanged"
    #: without reading or building JSON (NULL on rows written before it existed)
    explanation_digest: Mapped[str | None] = mapped_column(String(24))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("rating_adjustments.id"))
    #: the published level is a veto's (一票否决), not the score's nor an adjustment's
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
