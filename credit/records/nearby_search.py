"""The portal's 附近的企业 search: around a point typed (or located by the phone), or around
an address text, which names a region (``credit.places.addresses.parse_address``) whose
outline's representative point is the centre."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import BadRequest
from core.messages import msg
from credit.places.addresses import Candidate, parse_address
from credit.records.listing import EnterpriseFilter, Page
from credit.records.nearby import (
    Near,
    Where,
    bad_parameter,
    nearest_page,
    parse_point,
    parse_radius,
)

#: the radius choices of the portal's form, km
RADIUS_CHOICES = (1, 3, 5, 10, 20, 50)


@dataclass(frozen=True, slots=True)
class NearbyPage:
    """A near-me answer: the centre searched (WGS-84), the radius, the region an address
    named (None for a point) and a page of enterprises, nearest first."""

    lat: float
    lon: float
    radius_km: float
    region: Candidate | None
    page: Page


class AmbiguousAddress(BadRequest):
    """The address names several regions: ``candidates`` lists them (the page offers each)."""

    def __init__(self, candidates: list[Candidate]) -> None:
        problem = msg("地址可能指不止一个地区，请写上所在的市或省")
        super().__init__(
            msg("参数 %(param)s 有误：%(problem)s", param="address", problem=problem),
            {"address": [problem]},
        )
        self.candidates = candidates


def _address_centre(session: Session, text: str) -> tuple[float, float, Candidate]:
    """(lat, lon) inside the one region an address names, and the region; BadRequest
    naming ``address`` when it names none, several or one without an outline."""
    match = parse_address(session, text)
    if match.status == "not_found":
        raise bad_parameter("address", msg("没有从地址中认出省、市或区县的名称"))
    if match.status == "ambiguous":
        raise AmbiguousAddress(match.candidates)
    region = match.candidates[0]
    from credit.places.boundaries import region_polygon  # loads the boundaries on first use

    outline = region_polygon(region.code)
    if outline is None:
        raise bad_parameter("address", msg("%(name)s没有边界数据，请输入经纬度", name=region.name))
    point = outline.representative_point()
    return point.y, point.x, region


def enterprises_near(
    session: Session,
    *,
    lat: str = "",
    long: str = "",
    address: str = "",
    radius_km: str = "",
    after: str = "",
    limit: int = 30,
) -> NearbyPage:
    """Enterprises within ``radius_km`` of the point (lat/long, named so in errors) or, with
    no point, of the region an ``address`` names; nearest first."""
    region = None
    if lat.strip() or long.strip() or not address.strip():
        c_lat, c_lon = parse_point(lat, long)
    else:
        c_lat, c_lon, region = _address_centre(session, address)
    circle = Near(c_lat, c_lon, parse_radius(radius_km))
    page = nearest_page(session, EnterpriseFilter(), Where(circle), circle, after, limit)
    return NearbyPage(circle.lat, circle.lon, circle.radius_km, region, page)
