"""Filed temporary reports in the change feed: the report of a published penalty (who filed
it stays with the regulator)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import iso
from core.clock import today as china_today
from credit.records.models import Enterprise, Penalty
from credit.records.publication import is_public
from credit.temporary_reports.models import TemporaryReport


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
