"""Time travel: an enterprise's rating computed on demand for any date, and "unrated"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import CHINA
from core.errors import NotFound
from core.messages import msg
from credit.ratings.engine import Rating, rate, rating_to_json
from credit.ratings.facts_loader import Horizon, load_facts
from credit.ratings.rules import Rulebook
from credit.ratings.snapshots import adjustment_views, rating_shape
from credit.records.models import Enterprise


def rating_as_of(
    session: Session, enterprise: Enterprise, as_of: dt.date, rulebook: Rulebook
) -> Rating:
    """The rating of one enterprise computed on demand for any date (time travel)."""
    horizon = Horizon.for_rulebook(as_of, rulebook.lookback_days)
    for facts in load_facts(session, [enterprise.id], horizon=horizon):
        return rate(facts, rulebook, as_of)
    raise NotFound(msg("未找到统一社会信用代码为 %(uscc)s 的企业", uscc=enterprise.uscc))


def rating_json(session: Session, uscc: str, rating: Rating) -> dict[str, Any]:
    """The API/export shape of a rating computed on demand (``created_at`` null: it is not
    a stored rating); the same shape as ``credit.records.snapshots.rating_view``."""
    adjustment = (
        adjustment_views(session, [rating.adjustment_id]).get(rating.adjustment_id)
        if rating.adjustment_id is not None
        else None
    )
    return rating_shape(
        uscc,
        rating.score,
        rating.level,
        rating.computed_level,
        rating.rulebook_version,
        rating.as_of,
        rating_to_json(rating),
        adjustment,
        None,
    )


def first_known_date(session: Session, enterprise: Enterprise) -> dt.date:
    """The first day anything is known of ``enterprise``: its earliest record, or the day
    it was entered when that is earlier. Before it there is no rating ("unrated")."""
    from credit.records.models import DisclosureReport, EmissionAccount, Inspection, Penalty, Permit

    days = (
        Penalty.decision_date,
        Inspection.date,
        Permit.valid_from,
        DisclosureReport.submitted_at,
    )
    years = (EmissionAccount.year, DisclosureReport.year)
    row = session.execute(
        select(
            *(
                select(func.min(column))
                .where(column.class_.enterprise_id == enterprise.id)
                .scalar_subquery()
                for column in (*days, *years)
            )
        )
    ).one()
    entered = enterprise.created_at
    if entered.tzinfo is None:
        entered = entered.replace(tzinfo=dt.UTC)
    known = [entered.astimezone(CHINA).date(), *(d for d in row[: len(days)] if d)]
    known += [dt.date(y, 1, 1) for y in row[len(days) :] if y]
    return min(known)


def require_rated(session: Session, enterprise: Enterprise, as_of: dt.date) -> None:
    """NotFound ("unrated") when ``as_of`` is before anything was known of the enterprise."""
    first = first_known_date(session, enterprise)
    if as_of < first:
        raise NotFound(
            msg(
                "%(uscc)s 在 %(date)s 尚无任何记录，未评级（最早 %(first)s）",
                uscc=enterprise.uscc,
                date=as_of.isoformat(),
                first=first.isoformat(),
            )
        )
