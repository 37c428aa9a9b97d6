"""Place mismatches: a given region code that the entity's own coordinates contradict.

The given code is kept (it may be right: a registered seat, a typing slip in the
coordinates); the mismatch waits for a regulator, who accepts the given code or takes the
coordinates' county (:mod:`credit.places.mismatches`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: the entities whose region can be contradicted by their coordinates
MISMATCH_ENTITIES = ("tipoff", "enterprise", "source")
#: how a regulator settled it: keep the given code, or take the coordinates' county
RESOLUTIONS = ("given", "coordinates")


class PlaceMismatch(Base):
    """A region code given for an entity that is not where its coordinates are."""

    __tablename__ = "place_mismatches"
    __table_args__ = (
        enum_check("entity", MISMATCH_ENTITIES),
        enum_check("resolution", RESOLUTIONS, nullable=True),
        Index("ix_place_mismatches_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    given_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    #: the county the coordinates lie in
    coordinates_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    #: the coordinates, WGS-84
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the audit actor who resolved it ("user:12")
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(16))
