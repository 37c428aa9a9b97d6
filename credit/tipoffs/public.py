"""What anyone may know about a tip-off without its secret: the public summary.

Tip-offs are confidential in Chinese practice (举报人及举报内容保密): the reporter's own
words can identify them (“the workshop behind my shop”), so the summary holds only what
cannot: the category, the status and the public outcome, the handling region and its
authority, dates, and coordinates rounded to 0.001° (about 100 m). The reporter's
description, location text, the reject reason and the timeline need the secret
(``tipoff_tracking.track``). Reporter identity is never part of either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.reference import Region, region_path
from credit.records.nearby import Box, Where, distance_km
from credit.tipoffs.models import TipOff, TipOffEvent
from credit.tipoffs.outcome import region_agency
from credit.tipoffs.vocabulary import FINAL, STATUS_NAMES

#: the public listing covers at most this many days per query (Open311's maximum)
MAX_SPAN_DAYS = 90
MAX_PAGE_SIZE = 200
COARSE = Decimal("0.001")
_ROUNDING = COARSE / 2  # a stored coordinate this far beyond a box may round into it


@dataclass(frozen=True)
class PublicTipOff:
    """The public summary of one tip-off."""

    tracking_code: str
    category: str
    status: str
    closed: bool
    status_note: str
    region_code: str | None
    region_name: str | None
    agency: str
    latitude: Decimal | None
    longitude: Decimal | None
    received_at: dt.datetime
    updated_at: dt.datetime
    due_at: dt.date
    unplaced: bool


def coarse(value: Decimal | None) -> Decimal | None:
    """A coordinate rounded to 0.001° (≈100 m), or None."""
    return None if value is None else Decimal(value).quantize(COARSE, ROUND_HALF_EVEN)


def status_note(tipoff: TipOff) -> str:
    """The public note on the status: the outcome once closed, else the status name."""
    if tipoff.status == "closed" and tipoff.public_outcome:
        return tipoff.public_outcome
    return f"{STATUS_NAMES[tipoff.status]} / {tipoff.status}"


def _last_public_change(session: Session, ids: Sequence[int]) -> dict[int, dt.datetime]:
    """Each tip-off's latest timeline step by the authority (the reporter's are private)."""
    if not ids:
        return {}
    rows = session.execute(
        select(TipOffEvent.tipoff_id, func.max(TipOffEvent.at))
        .where(TipOffEvent.tipoff_id.in_(ids), TipOffEvent.actor != "reporter")
        .group_by(TipOffEvent.tipoff_id)
    )
    return {tipoff_id: at for tipoff_id, at in rows}


def summarize(session: Session, tipoffs: Sequence[TipOff]) -> list[PublicTipOff]:
    """The public summaries of ``tipoffs``, in the same order."""
    changed = _last_public_change(session, [t.id for t in tipoffs])
    out = []
    for t in tipoffs:
        unplaced = t.placement == "unplaced"
        region = session.get(Region, t.region_code) if t.region_code else None
        name = "".join(r.name for r in region_path(session, region.code)) if region else None
        out.append(
            PublicTipOff(
                tracking_code=t.tracking_code,
                category=t.category,
                status=t.status,
                closed=t.status in FINAL,
                status_note=status_note(t),
                region_code=None if unplaced else t.region_code,
                region_name=None if unplaced else name,
                agency=region_agency(region),
                latitude=coarse(t.latitude),
                longitude=coarse(t.longitude),
                received_at=t.created_at,
                updated_at=max(changed.get(t.id, t.created_at), t.created_at),
                due_at=t.due_at,
                unplaced=unplaced,
            )
        )
    return out


def find_public(session: Session, codes: Sequence[str]) -> list[PublicTipOff]:
    """The summaries of the tip-offs with these (normalised) tracking codes, in that order."""
    if not codes:
        return []
    found = {
        t.tracking_code: t
        for t in session.scalars(select(TipOff).where(TipOff.tracking_code.in_(list(codes))))
    }
    return summarize(session, [found[c] for c in dict.fromkeys(codes) if c in found])


def list_public(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    categories: Collection[str] = (),
    closed: bool | None = None,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    where: Where | None = None,
) -> list[PublicTipOff]:
    """Tip-offs received from ``start`` to ``end`` (inclusive), newest first, by page;
    ``where``: only those whose rounded coordinates lie in its circle and box."""
    if end - start > dt.timedelta(days=MAX_SPAN_DAYS):
        raise ValueError("the span is longer than MAX_SPAN_DAYS")
    conds = [TipOff.created_at >= start, TipOff.created_at <= end]
    if categories:
        conds.append(TipOff.category.in_(list(categories)))
    if closed is not None:
        conds.append(TipOff.status.in_(FINAL) if closed else TipOff.status.not_in(FINAL))
    if where is not None:
        conds.append(TipOff.id.in_(list(public_distances(session, where, conds))))
    size = min(max(page_size, 1), MAX_PAGE_SIZE)
    rows = session.scalars(
        select(TipOff)
        .where(*conds)
        .order_by(TipOff.created_at.desc(), TipOff.id.desc())
        .offset((max(page, 1) - 1) * size)
        .limit(size)
    ).all()
    return summarize(session, rows)


def _coarse_box_condition(box: Box) -> Any:
    """Reports whose stored coordinates may round into ``box`` (a prefilter)."""
    south = Decimal(str(box.south)).quantize(COARSE, ROUND_FLOOR) - _ROUNDING
    north = Decimal(str(box.north)).quantize(COARSE, ROUND_CEILING) + _ROUNDING
    west = Decimal(str(box.west)).quantize(COARSE, ROUND_FLOOR) - _ROUNDING
    east = Decimal(str(box.east)).quantize(COARSE, ROUND_CEILING) + _ROUNDING
    lon = (
        TipOff.longitude.between(west, east)
        if box.west <= box.east
        else (TipOff.longitude >= west) | (TipOff.longitude <= east)
    )
    return TipOff.latitude.between(south, north) & lon


def public_distances(
    session: Session, where: Where, conditions: Sequence[Any] = ()
) -> dict[int, float | None]:
    """Reports (meeting ``conditions``) whose *rounded* coordinates lie in ``where``'s
    circle and box: id → distance in km from the circle's centre (None without a circle)."""
    stmt = select(TipOff.id, TipOff.latitude, TipOff.longitude).where(*conditions)
    for box in (where.near.box if where.near else None, where.box):
        if box is not None:
            stmt = stmt.where(_coarse_box_condition(box))
    found: dict[int, float | None] = {}
    for tipoff_id, t_lat, t_lon in session.execute(stmt):
        c_lat, c_lon = float(coarse(t_lat) or 0), float(coarse(t_lon) or 0)
        if where.box is not None and not where.box.contains(c_lat, c_lon):
            continue
        if where.near is None:
            found[tipoff_id] = None
            continue
        distance = distance_km(where.near.lat, where.near.lon, c_lat, c_lon)
        if distance <= where.near.radius_km:
            found[tipoff_id] = distance
    return found
