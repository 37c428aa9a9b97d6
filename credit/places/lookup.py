"""A point → the region it lies in: the service the API, tip-offs and imports call.

Coordinates come in WGS-84 (phones) or GCJ-02 (Chinese map apps, ``crs="gcj02"``) and are
placed in WGS-84, the stored CRS. (The grid containing the point is added by credit.grids.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from core.errors import Invalid, NotFound
from core.messages import msg
from core.reference import Region
from credit.places.crs import CRS_NAMES, to_wgs84


@dataclass(frozen=True)
class PlacedPoint:
    """Where a point is: its county-level region, and the point in WGS-84."""

    region_code: str
    region_name: str
    lon: float
    lat: float


def parse_coordinate(
    value: Any, limit: int, field: str, errors: dict[str, list[str]]
) -> Decimal | None:
    """A latitude or longitude (limit 90 or 180) as a Decimal of 6 places; None when blank;
    a problem goes into ``errors[field]``."""
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = [msg("须为数字")]
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        errors[field] = [msg("须在 −%(n)s 到 %(n)s 之间", n=limit)]
        return None
    return number.quantize(Decimal("0.000001"))


def wgs84_point(lat: float, lon: float, crs: str = "wgs84") -> tuple[float, float]:
    """(lon, lat) in WGS-84 of a point given in ``crs``; Invalid for a bad CRS or range."""
    errors: dict[str, list[str]] = {}
    if not (isinstance(lat, int | float) and math.isfinite(lat) and -90 <= lat <= 90):
        errors["lat"] = [msg("纬度须为 −90 到 90 之间的数字")]
    if not (isinstance(lon, int | float) and math.isfinite(lon) and -180 <= lon <= 180):
        errors["long"] = [msg("经度须为 −180 到 180 之间的数字")]
    if (crs or "wgs84").strip().lower() not in CRS_NAMES:
        errors["crs"] = [msg("坐标系须为 %(names)s 之一", names="、".join(CRS_NAMES))]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)
    return to_wgs84(float(lon), float(lat), crs or "wgs84")


def placing_codes(county: str) -> tuple[str, str, str]:
    """A boundary county code, its prefecture's and its province's: where a point in that
    county is placed, the first our GB/T 2260 table has (:func:`region_at`)."""
    return (county, county[:4] + "00", county[:2] + "0000")


def region_at(session: Session, lon: float, lat: float) -> Region | None:
    """The county-level region (of our GB/T 2260 table) containing a WGS-84 point, or None.

    A boundary code our table lacks (cnmaps' 海西州直辖 632825) is placed in its nearest
    ancestor that the table has (632800)."""
    from credit.places.boundaries import county_at  # loads the boundaries on first use

    code = county_at(lon, lat)
    if code is None:
        return None
    for candidate in placing_codes(code):
        region = session.get(Region, candidate)
        if region is not None:
            return region
    return None


def place_point(session: Session, lat: float, lon: float, crs: str = "wgs84") -> PlacedPoint:
    """The county containing a point; NotFound ("outside China") when none does."""
    wlon, wlat = wgs84_point(lat, lon, crs)
    region = region_at(session, wlon, wlat)
    if region is None:
        message = msg("该位置不在中国境内（或不在任何县级行政区内）")
        raise NotFound(message, {"lat": [message]})
    return PlacedPoint(region.code, region.name, round(wlon, 6), round(wlat, 6))


def region_code_at(session: Session, lat: Any, lon: Any, crs: str | None = "wgs84") -> str | None:
    """The county code of a point given as numbers or text in ``crs``; None when the values
    are missing or not coordinates (the caller's validation reports those) or outside China."""
    try:
        wlon, wlat = wgs84_point(float(str(lat)), float(str(lon)), crs or "wgs84")
    except (TypeError, ValueError, Invalid):
        return None
    region = region_at(session, wlon, wlat)
    return region.code if region is not None else None
