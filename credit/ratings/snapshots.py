"""Public snapshots of ratings: the one rating shape of the API, change feed and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import iso
from credit.cases.models import RatingAdjustment
from credit.ratings.levels import level_name
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise

Snapshot = dict[str, Any]


def rating_shape(
    uscc: str,
    score: int,
    level: str,
    computed_level: str,
    rulebook: str,
    as_of: dt.date,
    explanation: list[Any],
    adjustment: Snapshot | None,
    created_at: dt.datetime | None,
) -> Snapshot:
    """The one public shape of a rating (API, change feed, exports, history)."""
    return {
        "uscc": uscc,
        "score": score,
        "level": level,
        "level_name": level_name(level),
        "computed_level": computed_level,
        "rulebook": rulebook,
        "as_of": iso(as_of),
        "explanation": explanation,
        "adjustment": adjustment,
        "created_at": iso(created_at),
    }


def adjustment_views(session: Session, ids: Iterable[int | None]) -> dict[int, Snapshot]:
    """The public part of level adjustments by id: the level set, why, until when."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(
            RatingAdjustment.id,
            RatingAdjustment.to_level,
            RatingAdjustment.reason,
            RatingAdjustment.expires_at,
        ).where(RatingAdjustment.id.in_(wanted))
    )
    return {
        r.id: {
            "id": r.id,
            "to_level": r.to_level,
            "reason": r.reason,
            "expires_at": iso(r.expires_at),
        }
        for r in rows
    }


def rating_view(
    r: CreditRating, uscc: str, adjustments: dict[int, Snapshot] | None = None
) -> Snapshot:
    """A stored rating as published (the explanation lists rule, points and source record);
    ``adjustments`` from :func:`adjustment_views`."""
    adjustment = (adjustments or {}).get(r.adjustment_id) if r.adjustment_id else None
    return rating_shape(
        uscc,
        r.score,
        r.level,
        r.computed_level,
        r.rulebook_version,
        r.as_of,
        r.explanation,
        adjustment,
        r.created_at,
    )


def rating_snapshots(
    session: Session, usccs: Iterable[str], _today: dt.date | None = None
) -> dict[str, Snapshot | None]:
    """Current ratings by USCC."""
    usccs = list(set(usccs))
    rows = session.execute(
        select(CreditRating, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == CreditRating.enterprise_id)
        .where(Enterprise.uscc.in_(usccs), CreditRating.is_current)
    ).all()
    adjustments = adjustment_views(session, (rating.adjustment_id for rating, _ in rows))
    out: dict[str, Snapshot | None] = dict.fromkeys(usccs)
    for rating, uscc in rows:
        out[uscc] = rating_view(rating, uscc, adjustments)
    return out
