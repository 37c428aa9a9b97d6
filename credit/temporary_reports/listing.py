"""An enterprise's filed temporary reports as the public page lists them: those of its
published penalties, with their due date and whether they were on time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.ratings.engine import temporary_due, temporary_status
from credit.ratings.rules import Rulebook
from credit.records.listing import get_enterprise
from credit.records.models import Enterprise, Penalty
from credit.records.publication import is_public
from credit.temporary_reports.models import TemporaryReport


@dataclass(frozen=True)
class PublicTemporaryReport:
    report: TemporaryReport
    decision_no: str
    decision_date: dt.date
    #: the due date under the rulebook given (None: it has no ``[temporary_report]``)
    due: dt.date | None
    #: on_time | late (None without a due date)
    status: str | None


def public_temporary_reports(
    session: Session, book: Rulebook, uscc: str, today: dt.date
) -> tuple[Enterprise, list[PublicTemporaryReport]]:
    """An enterprise (NotFound for an unknown USCC) and its filed temporary reports of
    published penalties, newest first."""
    enterprise = get_enterprise(session, uscc)
    rows = session.execute(
        select(TemporaryReport, Penalty)
        .join(Penalty, Penalty.id == TemporaryReport.penalty_id)
        .where(TemporaryReport.enterprise_id == enterprise.id, TemporaryReport.filed_on <= today)
        .order_by(TemporaryReport.filed_on.desc(), TemporaryReport.id.desc())
    )
    rule = book.temporary_report
    out = []
    for report, penalty in rows:
        if not is_public(penalty, today):
            continue
        due = temporary_due(rule, penalty.decision_date) if rule is not None else None
        status = temporary_status(due, report.filed_on, today) if due is not None else None
        out.append(
            PublicTemporaryReport(report, penalty.decision_no, penalty.decision_date, due, status)
        )
    return enterprise, out
