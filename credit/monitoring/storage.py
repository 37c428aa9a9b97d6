"""Storing readings: idempotent by (mn, cn, pollutant, time), whoever sends them.

The HJ 212 receiver and `records import --kind readings` both write through
:func:`store_readings`. A device that resends a packet after a lost acknowledgement stores
nothing new (``ON CONFLICT DO NOTHING``); a history import may correct values
(``replace=True``). Each outlet whose hourly means arrive gets one change-log row per
transaction (entity ``outlet``, its enterprise attached), which drives rescoring and the
exceedance check in batches: a device sending every minute does not rescore every minute,
because minute data (CN 2051) and real-time data (2011) change no rating.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from core.changelog import record_change
from core.keyed_hash import hash_token, verify_token
from credit.monitoring.models import (
    CN_HOURLY,
    MEAN_CNS,
    OUTLET_ENTITY,
    RAW_CNS,
    Outlet,
    RawReading,
    Reading,
    Station,
)
from credit.monitoring.partitions import ensure_partitions

#: the keyed-hash purpose of device access passwords (HJ 212 PW)
PASSWORD_PURPOSE = "hj212-pw"  # noqa: S105 - a hash purpose label, not a password


class ReadingRow(NamedTuple):
    """One value of one pollutant for one period, as a device or an import gives it (a named
    tuple: the receiver makes thousands a second, at a third of a frozen dataclass's cost)."""

    mn: str
    cn: int
    pollutant: str
    #: the period's start (aware)
    time: dt.datetime
    value: float | None
    flag: str
    min: float | None = None
    max: float | None = None
    #: the period's total (``-Cou``)
    total: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "mn": self.mn,
            "cn": self.cn,
            "pollutant": self.pollutant,
            "time": self.time,
            "value": self.value,
            "min": self.min,
            "max": self.max,
            "total": self.total,
            "flag": self.flag,
        }


@dataclass(frozen=True)
class Device:
    """A registered data logger: a station's or an outlet's."""

    kind: str  # "station" | "outlet"
    id: int
    mn: str
    password_hash: str | None
    enterprise_id: int | None = None


def hash_password(password: str) -> str:
    """The stored form of a device's access password."""
    return hash_token(password, PASSWORD_PURPOSE)


def password_matches(device: Device, password: str) -> bool:
    """Constant-time check of a packet's PW against the device's stored hash."""
    return device.password_hash is not None and verify_token(
        device.password_hash, password, PASSWORD_PURPOSE
    )


def device_for(session: Session, mn: str) -> Device | None:
    """The outlet or station registered with ``mn`` (None: unknown device)."""
    outlet = session.execute(
        select(Outlet.id, Outlet.password_hash, Outlet.enterprise_id).where(Outlet.mn == mn)
    ).first()
    if outlet is not None:
        return Device("outlet", outlet.id, mn, outlet.password_hash, outlet.enterprise_id)
    station = session.execute(
        select(Station.id, Station.password_hash).where(Station.mn == mn)
    ).first()
    if station is not None:
        return Device("station", station.id, mn, station.password_hash)
    return None


_COLUMNS = ("mn", "cn", "pollutant", "time", "value", "min", "max", "total", "flag")
_KEY = ("mn", "cn", "pollutant", "time")
_UPDATED = ("value", "min", "max", "total", "flag")


#: each column's SQL type for reading it back out of a JSON array (PostgreSQL casts; SQLite's
#: json_extract already gives numbers as numbers, and its time column is text)
_PG_TYPES = ("text", "int", "text", "timestamptz", "float8", "float8", "float8", "float8", "text")


def _insert_sql(dialect: Any, table: str, replace: bool) -> str:
    """One ``INSERT … SELECT … ON CONFLICT`` that takes a whole batch as one JSON array.

    The receiver writes thousands of rows a second. Through the ORM's bulk persistence that
    cost four times the INSERT itself, and even a driver's executemany pays a statement
    execution per row; as one JSON parameter expanded by the database (``json_each`` on
    SQLite, ``json_array_elements`` on PostgreSQL) a batch is one execution (see
    :func:`_batch_json` for how rows become that array).
    """
    if dialect.name == "postgresql":
        items = ", ".join(f"(j.v->>{i})::{kind}" for i, kind in enumerate(_PG_TYPES))
        source = "json_array_elements(%s::json) AS j(v)"
    else:
        items = ", ".join(f"json_extract(j.value, '$[{i}]')" for i in range(len(_COLUMNS)))
        source = "json_each(?) AS j"
    if replace:
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in _UPDATED)
        conflict = f"({', '.join(_KEY)}) DO UPDATE SET {updates}"
    else:
        conflict = "DO NOTHING"
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    # names are this module's constants and the models' table names; values are bound.
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON.
    return (
        f'INSERT INTO "{table}" ({columns}) SELECT {items} FROM {source} '  # noqa: S608
        f"WHERE true ON CONFLICT {conflict}"
    )


def _batch_json(dialect: Any, rows: Iterable[ReadingRow], replace: bool) -> str:
    """The rows as one JSON array of arrays; each distinct period converted once (UTC, and
    the text form on SQLite) by the ``time`` column's type. With ``replace`` the last row of
    a repeated key wins (one statement may not update a row twice on PostgreSQL)."""
    time_type = Reading.__table__.c.time.type.dialect_impl(dialect)
    bind = time_type.bind_processor(dialect) or (lambda v: v)
    times: dict[dt.datetime, Any] = {}
    values = []
    for r in rows:
        when = times.get(r.time)
        if when is None:
            when = bind(r.time)
            when = times[r.time] = when if isinstance(when, str) else when.isoformat()
        values.append((r.mn, r.cn, r.pollutant, when, r.value, r.min, r.max, r.total, r.flag))
    if replace:
        values = list({v[:4]: v for v in values}.values())
    # a non-finite value would be invalid JSON: parsers refuse them before they get here
    return json.dumps(values, allow_nan=False) if values else ""


def store_readings(session: Session, rows: Sequence[ReadingRow], replace: bool = False) -> None:
    """Write ``rows`` (hourly/daily means to ``readings``, the rest to ``raw_readings``).

    Existing keys are kept as they are, or overwritten with ``replace``. Flushes; the caller
    commits (the receiver acknowledges a packet only after that commit).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    ensure_partitions(session, {r.time for r in rows})
    for model, cns in ((Reading, MEAN_CNS), (RawReading, RAW_CNS)):
        batch = _batch_json(dialect, (r for r in rows if r.cn in cns), replace)
        if batch:
            sql = _insert_sql(dialect, model.__tablename__, replace)
            connection.exec_driver_sql(sql, (batch,))
    record_outlet_changes(session, {r.mn for r in rows if r.cn == CN_HOURLY})


def record_outlet_changes(session: Session, mns: Iterable[str]) -> None:
    """One change-log row per outlet among ``mns`` (stations' data move no rating)."""
    mns = set(mns)
    if not mns:
        return
    for mn, enterprise_id in session.execute(
        select(Outlet.mn, Outlet.enterprise_id).where(Outlet.mn.in_(mns))
    ):
        record_change(session, OUTLET_ENTITY, mn, enterprise_id=enterprise_id)


def existing_keys(
    session: Session, keys: Sequence[tuple[str, int, str, dt.datetime]]
) -> set[tuple[str, int, str, dt.datetime]]:
    """Which of ``keys`` (mn, cn, pollutant, time) of means are stored already."""
    found: set[tuple[str, int, str, dt.datetime]] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            tuple(row)  # type: ignore[misc]
            for row in session.execute(
                select(Reading.mn, Reading.cn, Reading.pollutant, Reading.time).where(
                    tuple_(Reading.mn, Reading.cn, Reading.pollutant, Reading.time).in_(chunk)
                )
            )
        )
    return found
