"""Hotspot grids (热点网格): stored rankings of a city's grid cells and the cases they opened.

A ranking is one city (GB/T 2260 code) and one period (a China day ``YYYY-MM-DD`` or month
``YYYY-MM``); recomputing it replaces its cells. A case is opened once per grid cell and
period (``hotspot_cases``), whatever the number of recomputations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

PERIOD_KINDS = ("day", "month")
#: why a suspect is listed: inside the cell, near its stations, upwind of them
SUSPECT_REASONS = ("in_cell", "nearby", "upwind")
SUSPECT_REASON_NAMES = {"in_cell": "网格内", "nearby": "周边", "upwind": "上风向"}
#: the change-log entity of a ranking (public id: ``CITY:PERIOD``, e.g. 620100:2026-11)
HOTSPOT_ENTITY = "hotspot"


class HotspotRanking(Base):
    """The ranking of one city's grid cells for one period."""

    __tablename__ = "hotspot_rankings"
    __table_args__ = (
        enum_check("period_kind", PERIOD_KINDS),
        UniqueConstraint("city_code", "period", name="one_per_city_period"),
        CheckConstraint("hours > 0", name="hours_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    #: ``YYYY-MM`` (month) or ``YYYY-MM-DD`` (day), China's calendar
    period: Mapped[str] = mapped_column(String(10))
    period_kind: Mapped[str] = mapped_column(String(8))
    #: the hours the completeness was measured against (a running period: up to the computation)
    hours: Mapped[int] = mapped_column(Integer)
    #: the method file's version (credit/monitoring/hotspots.toml)
    method_version: Mapped[str] = mapped_column(String(32))
    margin: Mapped[float] = mapped_column(Float)
    #: the city means (µg/m³; None: no complete station)
    city_pm25: Mapped[float | None] = mapped_column(Float)
    city_pm10: Mapped[float | None] = mapped_column(Float)
    #: the city's stations, and those complete for PM2.5
    stations: Mapped[int] = mapped_column(Integer)
    stations_complete: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HotspotCell(Base):
    """One ranked grid cell of a ranking."""

    __tablename__ = "hotspot_cells"
    __table_args__ = (CheckConstraint("rank > 0", name="rank_positive"),)

    ranking_id: Mapped[int] = mapped_column(
        ForeignKey("hotspot_rankings.id", ondelete="CASCADE"), primary_key=True
    )
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True)
    #: 1 = the highest PM2.5 mean
    rank: Mapped[int] = mapped_column(Integer)
    #: the mean of its complete stations' means (µg/m³)
    pm25: Mapped[float] = mapped_column(Float)
    pm10: Mapped[float | None] = mapped_column(Float)
    #: its stations, and those complete for PM2.5
    stations: Mapped[int] = mapped_column(Integer)
    stations_complete: Mapped[int] = mapped_column(Integer)
    hotspot: Mapped[bool] = mapped_column(Boolean)


class HotspotCase(Base):
    """The supervision case a hotspot opened (one per grid cell and period)."""

    __tablename__ = "hotspot_cases"
    __table_args__ = (UniqueConstraint("grid_id", "period", name="one_case_per_cell_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    period: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id"), unique=True)
    #: the wind's mean direction (degrees, where it comes from) when wind data existed
    wind_from_deg: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HotspotSuspect(Base):
    """A point source or an enterprise a hotspot case lists for the grid officers' 溯源."""

    __tablename__ = "hotspot_suspects"
    __table_args__ = (
        enum_check("reason", SUSPECT_REASONS),
        CheckConstraint(
            "(point_source_id IS NULL) <> (enterprise_id IS NULL)", name="source_or_enterprise"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hotspot_case_id: Mapped[int] = mapped_column(
        ForeignKey("hotspot_cases.id", ondelete="CASCADE"), index=True
    )
    point_source_id: Mapped[int | None] = mapped_column(ForeignKey("point_sources.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    reason: Mapped[str] = mapped_column(String(16))
    #: from the centre of the cell's stations
    distance_km: Mapped[float] = mapped_column(Float)
