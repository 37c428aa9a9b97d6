"""Grid outlines: a GeoJSON Polygon or MultiPolygon (WGS-84 lon/lat) checked and measured.

Outlines are stored as GeoJSON text with their bounding box in columns. What a survey file may
not contain: another geometry type, malformed or non-numeric coordinates, a longitude outside
−180…180 or a latitude outside −90…90, an empty outline or one without area, a ring that
crosses itself. Each is a :class:`GeometryError` saying which.
"""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from core.errors import Invalid
from core.messages import msg

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
#: an overlap between sibling grids is an error beyond this share of the smaller one's area
#: (surveyed outlines share edges drawn twice; 1 % absorbs that, not a real double cover)
OVERLAP_TOLERANCE = 0.01
#: stored coordinates keep 7 decimals (about 1 cm)
PRECISION = 7


class GeometryError(Invalid):
    """An outline that is not a usable polygon."""


def _depth_ok(coords: Any, depth: int) -> bool:
    """True if ``coords`` nests lists ``depth`` deep down to [lon, lat] number pairs."""
    if depth == 0:
        return (
            isinstance(coords, list)
            and len(coords) in (2, 3)
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
        )
    return isinstance(coords, list) and all(_depth_ok(c, depth - 1) for c in coords)


def _check_structure(obj: Any) -> None:
    if not isinstance(obj, dict) or "type" not in obj:
        raise GeometryError(msg("轮廓必须是 GeoJSON 几何对象（Polygon 或 MultiPolygon）"))
    if obj["type"] not in GEOMETRY_TYPES:
        raise GeometryError(
            msg(
                "轮廓类型 %(type)s 不受支持，只接受 Polygon 或 MultiPolygon",
                type=str(obj["type"])[:40],
            )
        )
    depth = 2 if obj["type"] == "Polygon" else 3
    coords = obj.get("coordinates")
    if not _depth_ok(coords, depth):
        raise GeometryError(msg("轮廓坐标格式错误：应为 [经度, 纬度] 数对组成的闭合环"))
    pairs = _pairs(coords, depth)
    if not pairs:
        raise GeometryError(msg("轮廓为空"))
    for lon, lat in pairs:
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise GeometryError(msg("轮廓坐标不是有限数值"))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeometryError(
                msg(
                    "坐标 (%(lon)s, %(lat)s) 超出经纬度范围（经度 −180～180，纬度 −90～90）",
                    lon=lon,
                    lat=lat,
                )
            )


def _pairs(coords: Any, depth: int) -> list[tuple[float, float]]:
    if depth == 0:
        return [(float(coords[0]), float(coords[1]))]
    return [p for c in coords for p in _pairs(c, depth - 1)]


def parse_geometry(obj: Any) -> BaseGeometry:
    """A GeoJSON Polygon/MultiPolygon as a valid shapely geometry; GeometryError otherwise."""
    _check_structure(obj)
    try:
        geom = shape(obj)
    except (ValueError, TypeError, shapely.errors.GEOSException):
        raise GeometryError(msg("轮廓无法解析：每个环至少需要 4 个点且首尾相同")) from None
    if geom.is_empty:
        raise GeometryError(msg("轮廓为空"))
    if not geom.is_valid:
        raise GeometryError(
            msg(
                "轮廓无效（例如自相交）：%(reason)s",
                reason=explain_validity(geom),
            )
        )
    if geom.area <= 0:
        raise GeometryError(msg("轮廓面积为零"))
    return geom


def parse_geometry_text(text: str) -> BaseGeometry:
    """:func:`parse_geometry` of a GeoJSON text."""
    try:
        obj = json.loads(text)
    except ValueError:
        raise GeometryError(msg("轮廓不是有效的 JSON")) from None
    return parse_geometry(obj)


def bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of ``geom``."""
    west, south, east, north = geom.bounds
    return float(west), float(south), float(east), float(north)


def to_geojson(geom: BaseGeometry) -> str:
    """``geom`` as compact GeoJSON text (coordinates as they are)."""
    return json.dumps(mapping(geom), separators=(",", ":"))


def outline_columns(geom: BaseGeometry) -> dict[str, Any]:
    """A grid's ``geometry`` and bounding-box columns for ``geom``, its coordinates rounded to
    :data:`PRECISION` decimals (the box is the stored outline's)."""
    rounded = shapely.set_precision(geom, 10**-PRECISION)
    west, south, east, north = bbox(rounded)
    return {
        "geometry": to_geojson(rounded),
        "min_lon": west,
        "min_lat": south,
        "max_lon": east,
        "max_lat": north,
    }


def overlap_share(a: BaseGeometry, b: BaseGeometry) -> float:
    """The area ``a`` and ``b`` share, as a fraction of the smaller one's area."""
    smaller = min(a.area, b.area)
    if smaller <= 0:
        return 0.0
    return float(a.intersection(b).area / smaller)
