"""Places in imported rows: coordinates to WGS-84, the region from the coordinates when the
row gives none, and given codes the coordinates contradict flagged after the upsert.

Coordinates in imports are WGS-84 unless a ``crs`` column says ``gcj02``. A row with
neither a region code nor coordinates inside a county is a row error on ``region_code``.
The county of each row's coordinates is kept in ``values["coordinates_region"]`` so the
upsert can flag a contradicted code (:func:`flag_contradicted`) without geocoding again.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messages import msg
from credit.places.crs import to_wgs84
from credit.places.lookup import region_code_at
from credit.places.mismatches import disagrees, flag_mismatch
from credit.places.models import PlaceMismatch
from credit.records.rows import ImportResult, RowError

Parsed = list[tuple[int, dict[str, Any]]]
Check = Callable[[Session, Parsed, ImportResult], Parsed]


def place_rows(session: Session, parsed: Parsed, result: ImportResult) -> Parsed:
    """Each row's coordinates in WGS-84 and its region (given, else the coordinates')."""
    good = []
    for number, values in parsed:
        lat, lon = values.get("latitude"), values.get("longitude")
        values["coordinates_region"] = None
        if lat is not None and lon is not None:
            if (values.get("crs") or "wgs84") != "wgs84":
                wlon, wlat = to_wgs84(float(lon), float(lat), values["crs"])
                values["latitude"], values["longitude"] = (
                    Decimal(f"{wlat:.6f}"),
                    Decimal(f"{wlon:.6f}"),
                )
            values["coordinates_region"] = region_code_at(
                session, values["latitude"], values["longitude"]
            )
        if not values.get("region_code"):
            values["region_code"] = values["coordinates_region"]
        if not values["region_code"]:
            result.errors.append(
                RowError(number, "region_code", "", msg("须填写行政区划代码，或中国境内的经纬度"))
            )
            continue
        good.append((number, values))
    return good


def with_places(check: Check) -> Check:
    """An import check that places the rows (:func:`place_rows`) before ``check`` runs."""

    def placed_then_checked(session: Session, parsed: Parsed, result: ImportResult) -> Parsed:
        return check(session, place_rows(session, parsed, result), result)

    return placed_then_checked


def flag_contradicted(
    session: Session, entity: str, rows: list[tuple[int, dict[str, Any]]]
) -> None:
    """After an upsert, flag (or clear) mismatches: ``rows`` are (entity id, values) of
    rows placed by :func:`place_rows`."""
    ids = [entity_id for entity_id, _ in rows]
    flagged = (
        set(
            session.scalars(
                select(PlaceMismatch.entity_id).where(
                    PlaceMismatch.entity == entity,
                    PlaceMismatch.entity_id.in_(ids),
                    PlaceMismatch.resolved_at.is_(None),
                )
            )
        )
        if ids
        else set()
    )
    for entity_id, values in rows:
        found = values.get("coordinates_region")
        if entity_id in flagged or disagrees(values["region_code"], found):
            flag_mismatch(
                session,
                entity,
                entity_id,
                values["region_code"],
                values["latitude"],
                values["longitude"],
                found=found,
            )
