"""Plane geometry for maps: GeoJSON rings, bounding boxes, point-in-polygon, the projection of
WGS-84 longitude/latitude to a viewport and path simplification to the pixel size.

The projection is equirectangular with the longitude scaled by cos(latitude) at the middle of
the area: for a county or a city (a degree or two across) its distortion is far below a pixel.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Point = tuple[float, float]
Ring = list[Point]
#: a polygon: its exterior ring, then its holes
Polygon = list[Ring]
BBox = tuple[float, float, float, float]  # west, south, east, north

#: the drawing's width in viewBox units (the page scales it to the screen)
VIEW_WIDTH = 1000.0
#: the tallest drawing, as a multiple of the width (a tall county is drawn narrower)
MAX_ASPECT = 1.25
MARGIN = 12.0
#: simplification tolerance in viewBox units: at most half a pixel on a 1,000 px wide map
TOLERANCE = 0.5


def polygons_of(geometry: Any) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon (a mapping, its JSON text, or any
    object with ``__geo_interface__``, such as a shapely geometry); [] for anything else."""
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except ValueError:
            return []
    if hasattr(geometry, "__geo_interface__"):
        geometry = geometry.__geo_interface__
    if not isinstance(geometry, dict):
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        parts = [coords]
    elif kind == "MultiPolygon":
        parts = list(coords or [])
    elif kind == "GeometryCollection":
        return [p for g in geometry.get("geometries") or [] for p in polygons_of(g)]
    else:
        return []
    out = []
    for part in parts:
        rings = [[(float(x), float(y)) for x, y, *_ in ring] for ring in part or []]
        if rings and len(rings[0]) >= 3:
            out.append(rings)
    return out


def bbox_of(points: Iterable[Point]) -> BBox | None:
    """The bounding box of ``points``, or None when there are none."""
    xs, ys = [], []
    for x, y in points:
        xs.append(x)
        ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def polygons_bbox(polygons: Sequence[Polygon]) -> BBox | None:
    """The bounding box of the exterior rings of ``polygons``."""
    return bbox_of(p for polygon in polygons for p in polygon[0])


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
        x1, y1 = x2, y2
    return inside


def contains(polygons: Sequence[Polygon], x: float, y: float) -> bool:
    """True if (x, y) lies inside one of ``polygons`` (outside its holes); ray casting."""
    for polygon in polygons:
        if _in_ring(x, y, polygon[0]) and not any(_in_ring(x, y, h) for h in polygon[1:]):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Viewport:
    """A projection of longitude/latitude onto a drawing ``width`` × ``height`` units."""

    west: float
    north: float
    #: viewBox units per degree of latitude; longitude is scaled by ``kx`` = scale × cos φ
    scale: float
    kx: float
    offset_x: float
    offset_y: float
    width: float
    height: float

    def project(self, lon: float, lat: float) -> Point:
        """The drawing coordinates of (lon, lat)."""
        return (
            self.offset_x + (lon - self.west) * self.kx,
            self.offset_y + (self.north - lat) * self.scale,
        )

    def inside(self, x: float, y: float) -> bool:
        return 0 <= x <= self.width and 0 <= y <= self.height


def fit(bbox: BBox, width: float = VIEW_WIDTH) -> Viewport:
    """The viewport that shows ``bbox`` whole, centred, ``width`` units wide with a margin;
    its height follows the area's shape (at most ``MAX_ASPECT`` × the width)."""
    west, south, east, north = bbox
    cos_phi = max(math.cos(math.radians((south + north) / 2)), 0.05)
    span_x = max((east - west) * cos_phi, 1e-6)
    span_y = max(north - south, 1e-6)
    inner = width - 2 * MARGIN
    height = min(max(inner * span_y / span_x, inner * 0.3), inner * MAX_ASPECT) + 2 * MARGIN
    scale = min(inner / span_x, (height - 2 * MARGIN) / span_y)
    offset_x = (width - span_x * scale) / 2
    offset_y = (height - span_y * scale) / 2
    return Viewport(west, north, scale, scale * cos_phi, offset_x, offset_y, width, height)


def pad(bbox: BBox, fraction: float = 0.05, minimum: float = 0.002) -> BBox:
    """``bbox`` grown by ``fraction`` of its size on each side (at least ``minimum``°)."""
    west, south, east, north = bbox
    dx = max((east - west) * fraction, minimum)
    dy = max((north - south) * fraction, minimum)
    return west - dx, south - dy, east + dx, north + dy


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker: the points of the polyline that keep it within ``tolerance``."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if norm:
                d = abs(dy * (px - ax) - dx * (py - ay)) / norm
            else:
                d = math.hypot(px - ax, py - ay)
            if d > worst:
                worst, index = d, i
        if index > 0 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_path(ring: Ring, viewport: Viewport, tolerance: float = TOLERANCE) -> str:
    """An SVG path of ``ring`` projected and simplified ("" when it shrinks below a pixel)."""
    projected = [viewport.project(x, y) for x, y in ring]
    # a closed ring: simplify its two halves so the first point is not the only anchor
    middle = len(projected) // 2
    kept = simplify(projected[: middle + 1], tolerance)[:-1] + simplify(
        projected[middle:], tolerance
    )
    if len(kept) < 3:
        return ""
    head, *rest = kept
    out = [f"M{head[0]:.1f} {head[1]:.1f}"]
    previous = (round(head[0], 1), round(head[1], 1))
    for x, y in rest:
        point = (round(x, 1), round(y, 1))
        if point != previous:
            out.append(f"L{point[0]:.1f} {point[1]:.1f}")
            previous = point
    return "".join(out) + "Z" if len(out) >= 3 else ""


def polygons_path(polygons: Sequence[Polygon], viewport: Viewport) -> str:
    """One SVG path of every ring of ``polygons`` (holes drawn with the even-odd rule)."""
    return "".join(ring_path(ring, viewport) for polygon in polygons for ring in polygon)
