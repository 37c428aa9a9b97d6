"""`records import --kind sources`: the ledger's cross-row check and bulk upsert by code.

Called by the shared import machinery (credit.records.importing) a chunk at a time, through
the kind's entry in credit.kinds. The ledger is regulator data: an import is audited by its
caller (`records.import` / `records.push`) and writes no public change-log rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.messages import msg
from core.reference import known_regions
from credit.places.lookup import placing_codes
from credit.records.rows import ImportResult, RowError, enterprise_ids
from credit.sources.models import PointSource
from credit.sources.placing import (
    counties_at,
    flag_region_mismatches,
    grids_at,
    stored_point,
)

Parsed = list[tuple[int, dict[str, Any]]]
#: the stored columns an import sets
STORED = (
    "code",
    "name",
    "type",
    "latitude",
    "longitude",
    "address",
    "region_code",
    "grid_id",
    "enterprise_id",
)


def check_sources(session: Session, parsed: Parsed, result: ImportResult) -> Parsed:
    """Coordinates to WGS-84, the region (given, else from the coordinates), the enterprise
    from ``uscc`` and the grid; rows that cannot be placed or linked are row errors."""
    located: list[tuple[int, dict[str, Any]]] = []
    for number, values in parsed:
        if values.get("latitude") is None or values.get("longitude") is None:
            continue  # already a row error
        try:
            point = stored_point(values["latitude"], values["longitude"], values.get("crs"))
        except ValueError as exc:
            result.errors.append(RowError(number, "crs", str(values.get("crs")), str(exc)))
            continue
        values["latitude"], values["longitude"] = point
        located.append((number, values))
    found = counties_at([(float(v["longitude"]), float(v["latitude"])) for _, v in located])
    candidates = {code for county in found if county for code in placing_codes(county)}
    given = {v.get("region_code") for _, v in parsed} | candidates
    regions = known_regions(session, {c for c in given if c})
    # a boundary county our table lacks is placed in its nearest ancestor the table has
    counties = [
        next((c for c in placing_codes(county) if c in regions), None) if county else None
        for county in found
    ]
    ids = enterprise_ids(session, (v.get("uscc") or "" for _, v in parsed))
    good = []
    for (number, values), county in zip(located, counties, strict=True):
        if _row_ok(number, values, county, regions, ids, result):
            good.append((number, values))
    grids = grids_at(session, [(float(v["longitude"]), float(v["latitude"])) for _, v in good])
    for (_, values), grid_id in zip(good, grids, strict=True):
        values["grid_id"] = grid_id
    return good


def _row_ok(
    number: int,
    values: dict[str, Any],
    county: str | None,
    regions: set[str],
    ids: dict[str, int],
    result: ImportResult,
) -> bool:
    """Resolve one located row's region and enterprise in place; False after a row error."""
    before = len(result.errors)
    given, uscc = values.get("region_code"), values.get("uscc")
    if given and given not in regions:
        reason = msg("未知的行政区划代码（GB/T 2260）")
        result.errors.append(RowError(number, "region_code", given, reason))
    elif not given and (county is None or county not in regions):
        reason = msg("坐标不在任何已知县级行政区内，请填写 region_code 或核对坐标及 crs")
        result.errors.append(RowError(number, "region_code", "", reason))
    if uscc and uscc not in ids:
        result.errors.append(RowError(number, "uscc", uscc, msg("未找到该企业，请先导入企业")))
    values["region_code"] = given or county
    values["enterprise_id"] = ids.get(uscc or "")
    values["coordinates_region"] = county
    return len(result.errors) == before


def upsert_sources(session: Session, parsed: Parsed, result: ImportResult) -> None:
    """Insert new codes and update changed ones, each as one bulk statement."""
    written = bulk_upsert(session, PointSource, "code", STORED, parsed, result)
    flag_region_mismatches(session, [v for _, v in parsed if v["code"] in written])


def bulk_upsert(
    session: Session,
    model: Any,
    key: str,
    stored: tuple[str, ...],
    parsed: Parsed,
    result: ImportResult,
) -> set[Any]:
    """Insert rows whose ``key`` is new and update changed ones, one bulk statement each
    (a later row of the same key wins); counts into ``result``; returns the keys written."""
    keys = {v[key] for _, v in parsed}
    existing = {
        getattr(row, key): dict(row._mapping)
        for row in session.execute(
            select(model.id, *(getattr(model, c) for c in stored)).where(
                getattr(model, key).in_(keys)
            )
        )
    }
    inserts: dict[Any, dict[str, Any]] = {}
    updates: dict[Any, dict[str, Any]] = {}
    now = utcnow()
    for _number, values in parsed:
        columns = {c: values[c] for c in stored}
        code = columns[key]
        current = inserts.get(code) or updates.get(code) or existing.get(code)
        if current is None:
            inserts[code] = {**columns, "created_at": now, "updated_at": now}
            result.created += 1
        elif any(current[c] != columns[c] for c in stored):
            if code in inserts:
                inserts[code].update(columns)
            else:
                updates[code] = {**columns, "id": current["id"], "updated_at": now}
            result.updated += 1
        else:
            result.unchanged += 1
    if inserts:
        # Core executemany: one batch (the ORM's bulk insert splits rows by their None columns)
        session.execute(model.__table__.insert(), list(inserts.values()))
    if updates:
        session.execute(update(model), list(updates.values()))
    return set(inserts) | set(updates)
