"""Open tip-offs near a point or about an enterprise, for "is this the same?" before filing.

Public summaries only (``credit.tipoffs.public``): no description, location text or
reporter field. The distance is measured from the *rounded* public coordinates (0.001°,
``public.coarse``) and the radius filter applies to them too, so repeated queries with
shrinking radii learn nothing finer than the public rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messages import msg
from core.reference import uscc_problem
from credit.records.models import Enterprise
from credit.records.nearby import (
    MAX_RADIUS_KM,
    Near,
    Where,
    bad_parameter,
    parse_crs,
    parse_point,
    parse_radius,
)
from credit.tipoffs.models import TipOff
from credit.tipoffs.public import PublicTipOff, public_distances, summarize
from credit.tipoffs.vocabulary import FINAL

#: at most this many reports are listed, nearest (then newest) first
MAX_NEARBY = 50
#: open and not merged into another report (whose summary stands for it)
OPEN = (TipOff.status.not_in(FINAL), TipOff.duplicate_of_id.is_(None))


@dataclass(frozen=True, slots=True)
class NearbyTipOff:
    """An open report's public summary, its distance from the point (from its rounded
    coordinates; None without coordinates or point) and whether it names the enterprise."""

    summary: PublicTipOff
    distance_km: float | None
    about_enterprise: bool


def _about_ids(session: Session, uscc: str) -> set[int]:
    """Open, unmerged reports that name the enterprise ``uscc``."""
    rows = session.scalars(
        select(TipOff.id)
        .join(Enterprise, Enterprise.id == TipOff.enterprise_id)
        .where(Enterprise.uscc == uscc, *OPEN)
    )
    return set(rows)


def open_tipoffs_nearby(
    session: Session,
    *,
    lat: str = "",
    long: str = "",
    radius_km: str = "",
    enterprise_uscc: str = "",
    crs: str = "",
) -> list[NearbyTipOff]:
    """Open reports within ``radius_km`` (≤ MAX_RADIUS_KM, default 5) of (lat, long), and
    those naming ``enterprise_uscc``: nearest first, then the newest, at most MAX_NEARBY."""
    uscc = enterprise_uscc.strip().upper()
    has_point = bool(lat.strip() or long.strip())
    if not has_point and not uscc:
        raise bad_parameter("lat", msg("须给出 lat 与 long，或 enterprise_uscc"))
    if uscc and (problem := uscc_problem(uscc)):
        raise bad_parameter("enterprise_uscc", problem)
    distances: dict[int, float | None] = {}
    if has_point:
        wgs_lat, wgs_lon = parse_point(lat, long, parse_crs(crs))
        circle = Near(wgs_lat, wgs_lon, parse_radius(radius_km))
        distances = public_distances(session, Where(near=circle), OPEN)
    elif radius_km.strip():
        raise bad_parameter("radius_km", msg("须给出 lat 与 long，或 enterprise_uscc"))
    about = _about_ids(session, uscc) if uscc else set()
    return nearest_first(session, distances, about, MAX_NEARBY)


def nearest_first(
    session: Session, distances: dict[int, float | None], about: set[int], limit: int
) -> list[NearbyTipOff]:
    """The reports in ``distances`` (id → km, None without a point) and ``about`` (ids naming
    the enterprise) as public summaries: nearest first, then the newest, at most ``limit``."""
    ids = set(distances) | about
    if not ids:
        return []
    rows = session.scalars(select(TipOff).where(TipOff.id.in_(ids))).all()

    def order(t: TipOff) -> tuple[float, float, int]:
        distance = distances.get(t.id)
        far = MAX_RADIUS_KM + 1 if distance is None else distance
        return (far, -t.created_at.timestamp(), t.id)

    rows = sorted(rows, key=order)[:limit]
    return [
        NearbyTipOff(
            summary,
            None if (d := distances.get(t.id)) is None else round(d, 1),
            t.id in about,
        )
        for t, summary in zip(rows, summarize(session, rows), strict=True)
    ]
