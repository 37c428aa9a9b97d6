"""Dates that change what is public: each day, penalties whose publication began, was revoked
or ended since the last run get a change-log row (so partner mirrors add or delete them and
their enterprises are rescored), and so do the enterprises whose approved rating adjustment
expired (the rescoring then stores the computed level again, with its own change rows), and
the enterprises whose temporary report (临时报告) became overdue unfiled: its deduction starts
the day after the due date without any record changing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.changelog import claim_watermark, get_watermark, record_change, set_watermark
from core.clock import today as china_today
from core.consumers import Consumer
from core.db import get_db, writing
from credit.cases.models import RatingAdjustment
from credit.obligations.models import DisclosureObligation
from credit.ratings.engine import temporary_due
from credit.ratings.loader import active_rulebook
from credit.ratings.rules import Rulebook
from credit.records.models import Enterprise, Penalty
from credit.temporary_reports.models import TemporaryReport

NAME = "publication-expiry"
FIRST_RUN_DAYS = 30


def _came(column: Any, since: dt.date, today: dt.date) -> Any:
    """The date in ``column`` came after the last run, on or before today."""
    return and_(column > since, column <= today)


def _temporary_overdue(
    session: Session, since: dt.date, today: dt.date, book: Rulebook | None
) -> dict[int, str]:
    """Obliged enterprises (id → USCC) with an unfiled temporary report whose first overdue
    day came since the last run."""
    rule = book.temporary_report if book is not None else None
    if rule is None:
        return {}
    # working days stretch over holidays: look back far enough for the longest (golden week)
    earliest = since - dt.timedelta(days=rule.workdays * 2 + 30)
    rows = session.execute(
        select(Penalty.enterprise_id, Penalty.decision_date, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .outerjoin(TemporaryReport, TemporaryReport.penalty_id == Penalty.id)
        .where(
            Penalty.decision_date >= earliest,
            Penalty.decision_date <= today,
            TemporaryReport.id.is_(None),
            Penalty.enterprise_id.in_(select(DisclosureObligation.enterprise_id)),
        )
    )
    return {
        eid: uscc
        for eid, decided, uscc in rows
        if since < temporary_due(rule, decided) + dt.timedelta(days=1) <= today
    }


def _book() -> Rulebook | None:
    try:
        return active_rulebook()
    except RuntimeError:  # outside an application context
        return None


def record_expired(session: Session, today: dt.date, book: Rulebook | None = None) -> int:
    """Change-log rows for the publication dates and adjustment expiries that came since the
    last run (once a day; the watermark holds the date of the last run as an ordinal)."""
    last = claim_watermark(session, NAME)  # locks the row: one worker per day
    if last is None or last >= today.toordinal():
        return 0
    since = dt.date.fromordinal(last) if last else today - dt.timedelta(days=FIRST_RUN_DAYS)
    penalties = session.execute(
        select(Penalty.id, Penalty.enterprise_id).where(
            or_(
                _came(Penalty.publish_until, since, today),
                _came(Penalty.decision_date, since, today),
                _came(Penalty.revoked_at, since, today),
            )
        )
    )
    count = 0
    for penalty_id, enterprise_id in penalties:
        record_change(session, Penalty.entity, penalty_id, enterprise_id=enterprise_id)
        count += 1
    adjusted = session.execute(
        select(Enterprise.uscc, Enterprise.id)
        .join(RatingAdjustment, RatingAdjustment.enterprise_id == Enterprise.id)
        .where(
            RatingAdjustment.status == "approved", _came(RatingAdjustment.expires_at, since, today)
        )
        .distinct()
    )
    for uscc, enterprise_id in adjusted:
        record_change(session, Enterprise.entity, uscc, enterprise_id=enterprise_id)
        count += 1
    overdue = _temporary_overdue(session, since, today, book or _book())
    for enterprise_id, uscc in overdue.items():
        record_change(session, Enterprise.entity, uscc, enterprise_id=enterprise_id)
        count += 1
    set_watermark(session, NAME, today.toordinal())
    return count


class ExpiryConsumer(Consumer):
    """Runs record_expired at most once a day from the consumer threads or `flask worker`."""

    name = NAME

    def pending(self, session: Session) -> int:
        """1 until today's run is done."""
        return int(get_watermark(session, NAME) < china_today().toordinal())

    def run_once(self) -> int:
        with writing():
            session = get_db().new_session()
            try:
                count = record_expired(session, china_today())
                session.commit()
                return count
            finally:
                session.close()
