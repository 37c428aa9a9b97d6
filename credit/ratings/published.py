"""The ratings published for one enterprise: computed on demand for any date (time travel,
"unrated" before anything is known of it) and the stored history, in the public shape."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from credit.ratings.loader import active_rulebook
from credit.ratings.snapshots import Snapshot, adjustment_views, rating_view
from credit.ratings.time_travel import rating_as_of, rating_json, require_rated
from credit.records.listing import get_enterprise, rating_history


def rating_on(session: Session, uscc: str, as_of: dt.date) -> Snapshot:
    """The rating of the enterprise ``uscc`` as of ``as_of`` by the active rulebook
    (NotFound: no such enterprise, or unrated on that date)."""
    ent = get_enterprise(session, uscc)
    require_rated(session, ent, as_of)
    rating = rating_as_of(session, ent, as_of, active_rulebook())
    return rating_json(session, ent.uscc, rating)


def stored_ratings(session: Session, uscc: str) -> tuple[str, list[tuple[Snapshot, bool]]]:
    """The enterprise's USCC as stored and its stored ratings, newest first, each in the
    public shape with whether it is the current one (NotFound: no such enterprise)."""
    ent = get_enterprise(session, uscc)
    history = rating_history(session, ent.id)
    adjustments = adjustment_views(session, (r.adjustment_id for r in history))
    return ent.uscc, [(rating_view(r, ent.uscc, adjustments), r.is_current) for r in history]
