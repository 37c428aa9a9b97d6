"""Grids (网格) and their members.

A grid belongs to one county-level region and, below the first level, to a parent grid; levels
run 1–4 (e.g. 街道 → 社区 → 楼院, or 乡 → 村 → 组). Its outline is a GeoJSON Polygon or
MultiPolygon in WGS-84 (the stored CRS everywhere), with its bounding box in columns so a
point lookup or a map can prefilter in SQL. Members are users with a role in the grid.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: member roles, in the order a grid's team lists them (CONTRACT: `grids assign --role`)
GRID_ROLES = ("leader", "officer", "assistant", "volunteer")
GRID_LEVELS = (1, 2, 3, 4)
#: the longest grid name (the column's length)
MAX_NAME = 100
#: the side of a generated cell, in km (`grids generate --cell-km`)
MIN_CELL_KM, MAX_CELL_KM = 0.05, 50.0
#: the change-log entity of a grid (its public id is the code)
GRID_ENTITY = "grid"


class Grid(Base):
    """One grid cell of the supervision hierarchy."""

    __tablename__ = "grids"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
        CheckConstraint("length(code) > 0 AND length(name) > 0", name="code_name_required"),
        CheckConstraint("min_lat <= max_lat AND min_lon <= max_lon", name="bbox_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    #: GeoJSON geometry (Polygon or MultiPolygon), WGS-84 longitude/latitude
    geometry: Mapped[str] = mapped_column(Text)
    min_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    #: true for regular cells generated where no survey exists
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class GridMember(Base):
    """A user's role in a grid (网格长, 网格员, 协管员, 志愿者)."""

    __tablename__ = "grid_members"
    __table_args__ = (
        enum_check("role", GRID_ROLES),
        UniqueConstraint("grid_id", "user_id", name="one_role_per_grid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
