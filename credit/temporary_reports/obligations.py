"""Which temporary reports an enterprise owes, derived from its records.

An obligation is not stored: it is each penalty (the configured event, ``[temporary_report]``
of the active rulebook) of an enterprise on the obliged list for the decision's year or the
year before, due ``workdays`` working days after the decision date. Fulfilment is a filed
:class:`~credit.temporary_reports.models.TemporaryReport`. The due date and status are the
rating engine's (``temporary_due``, ``temporary_status``), so this page and the rating agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messages import Msg
from credit.obligations.status import obliged_years
from credit.ratings.engine import temporary_due, temporary_obliged, temporary_status
from credit.ratings.rules import Rulebook
from credit.records.models import Penalty
from credit.temporary_reports.models import TemporaryReport

#: what each status is called on pages (``not_yet_due``: still open)
STATUS_NAMES = {
    "not_yet_due": Msg("待披露", "Open"),
    "on_time": Msg("按期披露", "Filed on time"),
    "late": Msg("逾期披露", "Filed late"),
    "missing": Msg("未披露（已逾期）", "Not filed (overdue)"),
}


@dataclass(frozen=True)
class TemporaryObligation:
    """One temporary report the enterprise owes for a penalty, with its status on a day."""

    penalty_id: int
    decision_no: str
    decision_date: dt.date
    due: dt.date
    #: on_time | late | missing | not_yet_due (open)
    status: str
    report: TemporaryReport | None

    def days_left(self, today: dt.date) -> int:
        return (self.due - today).days


def temporary_obligations(
    session: Session, book: Rulebook, enterprise_id: int, today: dt.date
) -> list[TemporaryObligation]:
    """The enterprise's temporary-report obligations, newest decision first (none when the
    rulebook has no ``[temporary_report]`` or the enterprise is on no obliged list)."""
    rule = book.temporary_report
    years = obliged_years(session, enterprise_id)
    if rule is None or not years or "penalty" not in rule.events:
        return []
    penalties = session.scalars(
        select(Penalty)
        .where(Penalty.enterprise_id == enterprise_id, Penalty.decision_date <= today)
        .order_by(Penalty.decision_date.desc(), Penalty.id.desc())
    )
    reports = {
        r.penalty_id: r
        for r in session.scalars(
            select(TemporaryReport).where(TemporaryReport.enterprise_id == enterprise_id)
        )
    }
    out = []
    for p in penalties:
        if p.revoked_at is not None and p.revoked_at <= today:
            continue
        if not temporary_obliged(years, p.decision_date):
            continue
        due = temporary_due(rule, p.decision_date)
        report = reports.get(p.id)
        status = temporary_status(due, report.filed_on if report else None, today)
        out.append(TemporaryObligation(p.id, p.decision_no, p.decision_date, due, status, report))
    return out
