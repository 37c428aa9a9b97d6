"""Public outcomes by enterprise: how many closed tip-offs named it in the last year and how
many of them were borne out (属实). Counts only: nothing about reporters leaves this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.clock import CHINA
from credit.tipoffs.models import TipOff

#: the look-back of the enterprise page's counts, in China calendar days (today included)
WINDOW_DAYS = 365


@dataclass(frozen=True, slots=True)
class TipoffCounts:
    #: closed tip-offs linked to the enterprise (duplicates merged into another not counted)
    closed: int
    #: of them, substantiated (属实)
    substantiated: int


def window_start(today: dt.date) -> dt.datetime:
    """The first instant counted: China midnight WINDOW_DAYS − 1 days before ``today``."""
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    return dt.datetime.combine(first, dt.time(), CHINA).astimezone(dt.UTC)


def tipoff_counts(session: Session, enterprise_id: int, today: dt.date) -> TipoffCounts:
    """Closed and substantiated tip-offs of one enterprise closed within the last year."""
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), CHINA).astimezone(dt.UTC)
    closed, substantiated = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((TipOff.substantiated.is_(True), 1), else_=0)), 0),
        ).where(
            TipOff.enterprise_id == enterprise_id,
            TipOff.status == "closed",
            TipOff.duplicate_of_id.is_(None),
            TipOff.closed_at >= window_start(today),
            TipOff.closed_at < end,
        )
    ).one()
    return TipoffCounts(closed=int(closed or 0), substantiated=int(substantiated or 0))
