"""Coordinate reference systems: WGS-84 (stored everywhere) and GCJ-02 (Chinese map apps).

GCJ-02 is WGS-84 shifted by a published, deterministic offset of a few hundred metres inside
China (the "Mars coordinates" of AMap, Tencent and Google China). Outside China's rough box
the two are equal, the usual out-of-China rule. The forward transform is the public formula;
the inverse has no closed form, so :func:`gcj02_to_wgs84` iterates the forward one until the
round trip is below a micro-degree (≈ 0.1 m, a few iterations).

The same formula serves single points (``math``) and coordinate arrays (``numpy``, for
converting boundary data at build time): :func:`_shift` takes the maths module to use.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

#: the accepted ``crs`` values (API parameter, import column, form field)
CRS_NAMES = ("wgs84", "gcj02")
STORED_CRS = "wgs84"

_A = 6378245.0  # the Krasovsky 1940 semi-major axis the formula uses
_EE = 0.00669342162296594323  # its first eccentricity squared
#: the box outside which GCJ-02 equals WGS-84
CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)
_TOLERANCE = 1e-7  # degrees, ≈ 1 cm
_MAX_STEPS = 30


def _shift(lon: Any, lat: Any, m: ModuleType) -> tuple[Any, Any]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS-84 ``(lon, lat)``; ``m`` is
    ``math`` for floats or ``numpy`` for arrays."""
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    common = 20.0 * m.sin(6.0 * x * pi) + 20.0 * m.sin(2.0 * x * pi)
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * m.sqrt(abs(x))
    dlat = dlat + common * 2.0 / 3.0
    dlat = dlat + (20.0 * m.sin(y * pi) + 40.0 * m.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * m.sin(y / 12.0 * pi) + 320 * m.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * m.sqrt(abs(x))
    dlon = dlon + common * 2.0 / 3.0
    dlon = dlon + (20.0 * m.sin(x * pi) + 40.0 * m.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * m.sin(x / 12.0 * pi) + 300.0 * m.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1 - _EE * m.sin(rad) ** 2
    sqrt_magic = m.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * m.cos(rad) * pi)
    return dlon, dlat


def in_china_box(lon: float, lat: float) -> bool:
    """Whether GCJ-02 differs from WGS-84 at this point (the out-of-China rule)."""
    west, south, east, north = CHINA_BOX
    return west <= lon <= east and south <= lat <= north


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """A WGS-84 point in GCJ-02 (unchanged outside China)."""
    if not in_china_box(lon, lat):
        return lon, lat
    dlon, dlat = _shift(lon, lat, math)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """A GCJ-02 point in WGS-84: the forward transform inverted by fixed-point iteration."""
    if not in_china_box(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(_MAX_STEPS):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = glon - lon, glat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if abs(elon) < _TOLERANCE and abs(elat) < _TOLERANCE:
            break
    return wlon, wlat


def gcj02_to_wgs84_array(coords: Any) -> Any:
    """An ``(n, 2)`` numpy array of GCJ-02 lon/lat in WGS-84 (boundary data at build time)."""
    import numpy as np  # only the boundary build converts arrays

    coords = np.asarray(coords, dtype=float)
    lon, lat = coords[:, 0], coords[:, 1]
    west, south, east, north = CHINA_BOX
    inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(_MAX_STEPS):
        dlon, dlat = _shift(wlon, wlat, np)
        elon = np.where(inside, wlon + dlon - lon, 0.0)
        elat = np.where(inside, wlat + dlat - lat, 0.0)
        wlon, wlat = wlon - elon, wlat - elat
        if np.abs(elon).max(initial=0) < _TOLERANCE and np.abs(elat).max(initial=0) < _TOLERANCE:
            break
    return np.column_stack([wlon, wlat])


def to_wgs84(lon: float, lat: float, crs: str = STORED_CRS) -> tuple[float, float]:
    """A point given in ``crs`` ("wgs84" or "gcj02") in WGS-84, the stored CRS."""
    name = (crs or STORED_CRS).strip().lower()
    if name == "wgs84":
        return lon, lat
    if name == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    raise ValueError(f"unknown crs {crs!r}: accepted values are {', '.join(CRS_NAMES)}")


#: the mean Earth radius (IUGG), the one the great-circle distance and km-per-degree use
EARTH_RADIUS_M = 6371008.8


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance in metres between two WGS-84 points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
