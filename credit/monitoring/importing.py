"""`records import --kind stations|outlets|readings`: cross-row checks and bulk writes.

Called by the shared import machinery (credit.records.importing) a chunk at a time, through
the kinds' entries in credit.kinds; an import stores all its rows or none. Stations are placed
like the point-source ledger (credit.sources.importing.check_sources: coordinates to WGS-84,
the county, the grid). An outlet's grid is its enterprise's. Device passwords are stored only
as keyed hashes; a row without ``password`` keeps the stored one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.changelog import record_change
from core.messages import msg
from credit.monitoring.models import (
    CN_HOURLY,
    OUTLET_ENTITY,
    STATION_ENTITY,
    Outlet,
    OutletLimit,
    Reading,
    Station,
)
from credit.monitoring.storage import ReadingRow, hash_password, store_readings
from credit.records.models import Enterprise
from credit.records.rows import ImportResult, RowError, enterprise_ids
from credit.sources.importing import bulk_upsert
from credit.sources.placing import grids_at

Parsed = list[tuple[int, dict[str, Any]]]
STATION_STORED = (
    "mn",
    "name",
    "kind",
    "latitude",
    "longitude",
    "region_code",
    "grid_id",
    "password_hash",
)
OUTLET_STORED = (
    "mn",
    "enterprise_id",
    "outlet_code",
    "kind",
    "commissioned_on",
    "grid_id",
    "password_hash",
)


def _passwords(session: Session, model: Any, parsed: Parsed) -> None:
    """``password`` → ``password_hash``; a row without one keeps the stored hash."""
    stored: dict[str, str | None] = dict(
        session.execute(
            select(model.mn, model.password_hash).where(model.mn.in_({v["mn"] for _, v in parsed}))
        ).all()
    )
    for _, values in parsed:
        given = values.get("password")
        values["password_hash"] = hash_password(given) if given else stored.get(values["mn"])


def _other_devices(session: Session, model: Any, parsed: Parsed, result: ImportResult) -> Parsed:
    """Rows whose MN is already another kind of device are row errors (MNs are unique)."""
    taken = set(session.scalars(select(model.mn).where(model.mn.in_({v["mn"] for _, v in parsed}))))
    good = []
    for number, values in parsed:
        if values["mn"] in taken:
            reason = msg("该 MN 已登记为另一类设备（站点与排放口的 MN 不能重复）")
            result.errors.append(RowError(number, "mn", values["mn"], reason))
        else:
            good.append((number, values))
    return good


def check_stations(session: Session, parsed: Parsed, result: ImportResult) -> Parsed:
    from credit.sources.importing import check_sources

    return check_sources(session, _other_devices(session, Outlet, parsed, result), result)


def upsert_stations(session: Session, parsed: Parsed, result: ImportResult) -> None:
    _passwords(session, Station, parsed)
    for mn in bulk_upsert(session, Station, "mn", STATION_STORED, parsed, result):
        record_change(session, STATION_ENTITY, mn)


def check_outlets(session: Session, parsed: Parsed, result: ImportResult) -> Parsed:
    """The enterprise from ``uscc`` and the grid of its coordinates."""
    parsed = _other_devices(session, Station, parsed, result)
    ids = enterprise_ids(session, (v["uscc"] for _, v in parsed))
    good = []
    for number, values in parsed:
        if values["uscc"] not in ids:
            result.errors.append(
                RowError(number, "uscc", values["uscc"], msg("未找到该企业，请先导入企业"))
            )
            continue
        values["enterprise_id"] = ids[values["uscc"]]
        good.append((number, values))
    points = dict(
        (row.id, (float(row.longitude), float(row.latitude)))
        for row in session.execute(
            select(Enterprise.id, Enterprise.longitude, Enterprise.latitude).where(
                Enterprise.id.in_({v["enterprise_id"] for _, v in good}),
                Enterprise.latitude.is_not(None),
                Enterprise.longitude.is_not(None),
            )
        )
    )
    located = [v for _, v in good if v["enterprise_id"] in points]
    grids = grids_at(session, [points[v["enterprise_id"]] for v in located])
    for values in (v for _, v in good):
        values["grid_id"] = None
    for values, grid_id in zip(located, grids, strict=True):
        values["grid_id"] = grid_id
    return good


def upsert_outlets(session: Session, parsed: Parsed, result: ImportResult) -> None:
    """The outlets, then their limits (a changed limit alone makes the row updated)."""
    _passwords(session, Outlet, parsed)
    written = bulk_upsert(session, Outlet, "mn", OUTLET_STORED, parsed, result)
    ids = dict(
        session.execute(
            select(Outlet.mn, Outlet.id).where(Outlet.mn.in_({v["mn"] for _, v in parsed}))
        ).all()
    )
    current: dict[int, dict[str, Any]] = {}
    for row in session.execute(
        select(OutletLimit.outlet_id, OutletLimit.pollutant, OutletLimit.limit).where(
            OutletLimit.outlet_id.in_(ids.values())
        )
    ):
        current.setdefault(row.outlet_id, {})[row.pollutant] = row.limit
    wanted = {ids[v["mn"]]: (v["mn"], v["enterprise_id"], v["limits"]) for _, v in parsed}
    changed = {i for i, (_, _, limits) in wanted.items() if current.get(i, {}) != limits}
    for outlet_id in changed:
        mn = wanted[outlet_id][0]
        if mn not in written:
            result.unchanged -= 1
            result.updated += 1
            written.add(mn)
    if changed:
        session.execute(delete(OutletLimit).where(OutletLimit.outlet_id.in_(changed)))
        session.execute(
            OutletLimit.__table__.insert(),
            [
                {"outlet_id": i, "pollutant": p, "limit": limit}
                for i in changed
                for p, limit in wanted[i][2].items()
            ],
        )
    for mn, enterprise_id, _ in wanted.values():
        if mn in written:
            record_change(session, OUTLET_ENTITY, mn, enterprise_id=enterprise_id)


def check_readings(session: Session, parsed: Parsed, result: ImportResult) -> Parsed:
    """Readings of registered devices only."""
    mns = {v["mn"] for _, v in parsed}
    known = set(session.scalars(select(Outlet.mn).where(Outlet.mn.in_(mns)))) | set(
        session.scalars(select(Station.mn).where(Station.mn.in_(mns)))
    )
    good = []
    for number, values in parsed:
        if values["mn"] in known:
            good.append((number, values))
        else:
            reason = msg("未登记的设备 MN，请先导入站点或排放口")
            result.errors.append(RowError(number, "mn", values["mn"], reason))
    return good


def upsert_readings(session: Session, parsed: Parsed, result: ImportResult) -> None:
    """Hourly means (CN 2061); a row for a stored hour replaces its value and flag."""
    rows = {
        (v["mn"], v["pollutant"], v["hour"]): ReadingRow(
            v["mn"], CN_HOURLY, v["pollutant"], v["hour"], v["avg"], v["flag"]
        )
        for _, v in parsed
    }
    stored: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for mn in {k[0] for k in rows}:
        times = [k[2] for k in rows if k[0] == mn]
        for found in session.execute(
            select(Reading.pollutant, Reading.time, Reading.value, Reading.flag).where(
                Reading.mn == mn,
                Reading.cn == CN_HOURLY,
                Reading.time >= min(times),
                Reading.time <= max(times),
            )
        ):
            stored[(mn, found.pollutant, found.time)] = (found.value, found.flag)
    changed = []
    for key, row in rows.items():
        before = stored.get(key)
        if before is None:
            result.created += 1
        elif before != (row.value, row.flag):
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        changed.append(row)
    result.unchanged += len(parsed) - len(rows)  # repeated keys: the last row wins
    store_readings(session, changed, replace=True)
