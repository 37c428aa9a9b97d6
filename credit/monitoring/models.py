"""Stations, outlets (排放口) and their readings.

A device is identified by its HJ 212 MN, unique across stations and outlets. Readings are keyed
by (mn, cn, pollutant, time): a device that resends a packet after a lost acknowledgement stores
it once. ``time`` is the period's start (UTC; HJ 212 DataTime is China time and is converted on
the way in). Hourly (CN 2061) and daily (2031) means live in ``readings``; real-time (2011) and
minute (2051) values in ``raw_readings``, prunable (``MONITORING_RAW_RETENTION_DAYS``). On
PostgreSQL both tables are partitioned by month (credit.monitoring.partitions).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

STATION_KINDS = ("national", "provincial", "micro")
STATION_KIND_NAMES = {"national": "国控站", "provincial": "省控站", "micro": "微型站"}
OUTLET_KINDS = ("gas", "water")
OUTLET_KIND_NAMES = {"gas": "废气排放口", "water": "废水排放口"}
#: HJ 212 data flags; N (正常) and T (超测上限) are valid hourly means (rulebook 2026.2)
FLAGS = ("N", "F", "M", "S", "D", "C", "T", "B")
VALID_FLAGS = ("N", "T")
FLAG_NAMES = {
    "N": "正常",
    "F": "停运",
    "M": "维护",
    "S": "手工设定",
    "D": "故障",
    "C": "校准",
    "T": "超测上限",
    "B": "通讯异常",
}
#: HJ 212 command codes of data uploads: real-time, minute, hourly, daily
CN_REALTIME, CN_MINUTE, CN_HOURLY, CN_DAILY = 2011, 2051, 2061, 2031
#: the CNs kept in ``readings``; the others go to ``raw_readings``
MEAN_CNS = (CN_HOURLY, CN_DAILY)
RAW_CNS = (CN_REALTIME, CN_MINUTE)
#: change-log entities of this package (public)
STATION_ENTITY = "station"
OUTLET_ENTITY = "outlet"


class Station(Base):
    """An air-quality monitoring station (national, provincial or micro-station)."""

    __tablename__ = "monitoring_stations"
    __table_args__ = (
        enum_check("kind", STATION_KINDS),
        CheckConstraint("length(mn) > 0 AND length(name) > 0", name="mn_name_required"),
        Index("ix_monitoring_stations_region", "region_code", "mn"),
        Index("ix_monitoring_stations_grid", "grid_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the data logger's HJ 212 MN (设备唯一标识), unique across stations and outlets
    mn: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    #: WGS-84
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    #: the deepest grid containing it (None: no grid covers it)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    #: keyed hash of the device's HJ 212 access password (PW); None: the receiver refuses it
    password_hash: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Outlet(Base):
    """An enterprise's monitored outlet (排放口) and its data logger."""

    __tablename__ = "outlets"
    __table_args__ = (
        enum_check("kind", OUTLET_KINDS),
        CheckConstraint("length(mn) > 0 AND length(outlet_code) > 0", name="mn_code_required"),
        Index("ix_outlets_enterprise", "enterprise_id", "outlet_code", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(String(24), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    #: the permit's outlet code, e.g. DA001 (废气) / DW001 (废水)
    outlet_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    commissioned_on: Mapped[dt.date] = mapped_column(Date)
    #: the grid of its enterprise's coordinates (monitoring cases open there)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    password_hash: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class OutletLimit(Base):
    """The permitted concentration of one pollutant at an outlet (mg/m³; water: mg/L)."""

    __tablename__ = "outlet_limits"

    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True
    )
    #: HJ 212 pollutant code, e.g. a21026 (SO2)
    pollutant: Mapped[str] = mapped_column(String(16), primary_key=True)
    limit: Mapped[Decimal] = mapped_column(Numeric(12, 4))


class _ReadingColumns:
    """The columns shared by hourly/daily means and raw values."""

    #: the device's MN (a station's or an outlet's)
    mn: Mapped[str] = mapped_column(String(24), primary_key=True)
    cn: Mapped[int] = mapped_column(Integer, primary_key=True)
    pollutant: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: the period's start, UTC
    time: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    #: the mean (Avg) or, for real-time data, the value (Rtd)
    value: Mapped[float | None] = mapped_column(Float)
    min: Mapped[float | None] = mapped_column(Float)
    max: Mapped[float | None] = mapped_column(Float)
    #: the period's total (HJ 212 ``-Cou``, 累计值: a flow's volume, a pollutant's mass); a
    #: pollutant may send only this, and then has no mean (``value`` null)
    total: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str] = mapped_column(String(1))


class Reading(_ReadingColumns, Base):
    """An hourly (CN 2061) or daily (2031) mean."""

    __tablename__ = "readings"
    __table_args__ = (
        enum_check("flag", FLAGS),
        # a device's series is the primary key's prefix (mn, cn, pollutant, time); the scans
        # of all devices by period (hotspots, data completeness) use this one
        Index("ix_readings_time", "cn", "time"),
        {"postgresql_partition_by": "RANGE (time)"},
    )


class RawReading(_ReadingColumns, Base):
    """A real-time (2011) or minute (2051) value; kept for MONITORING_RAW_RETENTION_DAYS."""

    __tablename__ = "raw_readings"
    __table_args__ = (
        enum_check("flag", FLAGS),
        Index("ix_raw_readings_time", "time"),
        {"postgresql_partition_by": "RANGE (time)"},
    )


class ExceedanceCase(Base):
    """The supervision case opened for an outlet's pollutant above its limit, and the hours it
    covers: at most one open case per outlet and pollutant (credit.monitoring.exceedances)."""

    __tablename__ = "exceedance_cases"
    __table_args__ = (
        Index("ix_exceedance_cases_outlet", "outlet_id", "pollutant", "last_hour"),
        CheckConstraint("first_hour <= last_hour", name="hours_ordered"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    pollutant: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id"), unique=True)
    #: the first and the latest exceedance hour (start, UTC) the case covers
    first_hour: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_hour: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: the highest valid hourly mean among them
    peak: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# -- what counts (rulebook 2026.2), once, for every query that needs it -------------------------
def valid_mean() -> ColumnElement[bool]:
    """A reading that counts: a mean flagged N (正常) or T (超测上限); see :func:`is_valid_mean`."""
    return and_(Reading.flag.in_(VALID_FLAGS), Reading.value.is_not(None))


def is_valid_mean(flag: str, value: float | None) -> bool:
    """:func:`valid_mean` for a row already read: a total alone (``-Cou``) is not a mean."""
    return flag in VALID_FLAGS and value is not None


def limit_of(outlet_id: Any) -> ColumnElement[bool]:
    """The ON clause joining a reading to the limit of its pollutant at ``outlet_id``."""
    return and_(OutletLimit.outlet_id == outlet_id, OutletLimit.pollutant == Reading.pollutant)


def over_limit() -> ColumnElement[bool]:
    """An exceedance: a valid mean above the joined outlet limit."""
    return and_(valid_mean(), Reading.value > OutletLimit.limit)
