"""Filed temporary reports as the public sees them: the report of a published penalty (who
filed it stays with the regulator)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import iso
from core.clock import today as china_today
from credit.ratings.engine import temporary_due, temporary_status
from credit.ratings.rules import Rulebook
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


def temporary_report_snapshots(
    session: Session, ids: Iterable[str], today: dt.date | None = None
) -> dict[str, dict[str, Any] | None]:
    """Public view of temporary reports by id; None while their penalty is not published."""
    day = today or china_today()
    int_ids = {int(i) for i in ids}
    out: dict[str, dict[str, Any] | None] = {str(i): None for i in int_ids}
    if not int_ids:
        return out
    rows = session.execute(
        select(TemporaryReport, Penalty, Enterprise.uscc)
        .join(Penalty, Penalty.id == TemporaryReport.penalty_id)
        .join(Enterprise, Enterprise.id == TemporaryReport.enterprise_id)
        .where(TemporaryReport.id.in_(int_ids))
    )
    for report, penalty, uscc in rows:
        if is_public(penalty, day):
            out[str(report.id)] = {
                "id": report.id,
                "uscc": uscc,
                "penalty_id": penalty.id,
                "decision_no": penalty.decision_no,
                "filed_on": iso(report.filed_on),
                "content": report.content,
                "url": report.url,
            }
    return out


def public_temporary_reports(
    session: Session, book: Rulebook, uscc: str, today: dt.date
) -> tuple[Enterprise, list[PublicTemporaryReport]]:
    """An enterprise (NotFound for an unknown USCC) and its filed temporary reports of
    published penalties, newest first."""
    from credit.records.listing import get_enterprise  # listing imports the kinds registry

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
