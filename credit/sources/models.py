"""Point sources (污染源) of the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: the entity name of a source in place mismatches (credit.places) and audit subjects
SOURCE_ENTITY = "source"
#: source types (CONTRACT: `records import --kind sources`, column `type`)
SOURCE_TYPES = (
    "construction_site",
    "restaurant",
    "coal_depot",
    "boiler",
    "workshop",
    "enterprise",
    "other",
)
#: zh-CN label of each type (pages translate them)
SOURCE_TYPE_NAMES = {
    "construction_site": "建筑工地",
    "restaurant": "餐饮",
    "coal_depot": "煤场",
    "boiler": "锅炉",
    "workshop": "小作坊",
    "enterprise": "企业",
    "other": "其他",
}


class PointSource(Base):
    """One supervised place of the ledger, identified by its ledger code."""

    __tablename__ = "point_sources"
    __table_args__ = (
        enum_check("type", SOURCE_TYPES),
        CheckConstraint("length(code) > 0 AND length(name) > 0", name="code_name_required"),
        CheckConstraint("latitude >= -90 AND latitude <= 90", name="latitude_range"),
        CheckConstraint("longitude >= -180 AND longitude <= 180", name="longitude_range"),
        # the listings: per grid and per region, in code order (keyset paged by code)
        Index("ix_point_sources_grid_listing", "grid_id", "code"),
        Index("ix_point_sources_region_listing", "region_code", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the ledger's own code (台账编号), unique
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(24))
    #: WGS-84 (imports in GCJ-02 are converted on the way in)
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    address: Mapped[str | None] = mapped_column(String(300))
    #: the county it lies in: as given by the import, else from the coordinates
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    #: the deepest grid containing the coordinates (None: no grid covers it)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    #: the enterprise it belongs to (from the import's `uscc`)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
