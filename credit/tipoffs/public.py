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
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from credit.records.nearby import Where

from core.reference import Region, region_path
from credit.tipoffs.models import TipOff, TipOffEvent
from credit.tipoffs.outcome import region_agency
from credit.tipoffs.vocabulary import FINAL, STATUS_NAMES

#: the public listing covers at most this many days per query (Open311's maximum)
MAX_SPAN_DAYS = 90
MAX_PAGE_SIZE = 200
COARSE = Decimal("0.001")


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
        from credit.tipoffs.nearby import public_distances  # it builds on this module

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
