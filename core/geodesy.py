"""Distances on the sphere: great-circle (haversine) distance and the box around a circle.

One definition for every "within R km of a point" rule (enterprises near me, tip-offs near
a point, Open311's radius filter). Coordinates are WGS-84 degrees; the Earth is the mean
sphere (IUGG R₁ = 6371.0088 km), which differs from the ellipsoid by under 0.5 %, far less
than the radius choices a person makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
#: widening of a circle's bounding box so that stored 6-decimal coordinates and floating
#: rounding never drop a point the exact distance test would keep (≈ 1 m)
BOX_MARGIN_DEG = 1e-5


@dataclass(frozen=True, slots=True)
class Box:
    """A longitude/latitude box (west, south, east, north); ``west > east`` crosses 180°."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies in the box (edges included)."""
        if not self.south <= lat <= self.north:
            return False
        if self.west <= self.east:
            return self.west <= lon <= self.east
        return lon >= self.west or lon <= self.east


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat = p2 - p1
    dlon = math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def circle_box(lat: float, lon: float, radius_km: float) -> Box:
    """The smallest longitude/latitude box holding every point within ``radius_km`` of
    (lat, lon), widened by ``BOX_MARGIN_DEG``; all longitudes when a pole is inside."""
    angle = radius_km / EARTH_RADIUS_KM  # the radius as an angle, radians
    dlat = math.degrees(angle) + BOX_MARGIN_DEG
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = math.cos(math.radians(lat))
    if north >= 90.0 or south <= -90.0 or math.sin(angle) >= cos_lat:
        return Box(-180.0, south, 180.0, north)
    dlon = math.degrees(math.asin(math.sin(angle) / cos_lat)) + BOX_MARGIN_DEG
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        west += 360.0
    if east > 180.0:
        east -= 360.0
    return Box(west, south, east, north)
