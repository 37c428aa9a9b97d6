"""Rulebook simulation: how levels would move under another rulebook (writes nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.ratings.engine import rate
from credit.ratings.facts_loader import Horizon, load_facts
from credit.ratings.rules import Rulebook
from credit.records.models import Enterprise


def simulate(
    session: Session,
    candidate: Rulebook,
    as_of: dt.date,
    current: Rulebook,
    enterprise_ids: Collection[int] | None = None,
    advance: Callable[[int], None] | None = None,
) -> dict[tuple[str, str], int]:
    """Level-transition counts (current rulebook's level → candidate's) for all enterprises.

    Reads the facts once and rates them with both rulebooks; writes nothing.
    """
    matrix: dict[tuple[str, str], int] = {}
    horizon = Horizon.for_rulebook(as_of, max(candidate.lookback_days, current.lookback_days))
    for facts in load_facts(session, enterprise_ids, horizon=horizon):
        key = (
            rate(facts, current, as_of).computed_level,
            rate(facts, candidate, as_of).computed_level,
        )
        matrix[key] = matrix.get(key, 0) + 1
        if advance:
            advance(1)
    return matrix


def region_enterprise_ids(session: Session, prefix: str) -> list[int]:
    """Ids of the enterprises within a region-code prefix."""
    return list(
        session.scalars(
            select(Enterprise.id)
            .where(Enterprise.region_code.startswith(prefix))
            .order_by(Enterprise.id)
        )
    )
