"""Regulators answer data error reports of their region: the record was corrected, or it
has no error. The last open report's answer takes the 核查中 marker off (a change-log row)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.users import User
from credit.cases.objections import case_text
from credit.data_errors.models import DataErrorReport
from credit.data_errors.public import is_under_review
from credit.records.models import Enterprise

ANSWER_CHARS = 4000
#: answered reports a regulator's list shows besides the open ones
RECENT = 50


@dataclass(frozen=True)
class ReportRow:
    """A report as the regulator's list shows it (with the enterprise's USCC and name)."""

    report: DataErrorReport
    uscc: str
    name: str


def _in_scope(user: User) -> ColumnElement[bool]:
    if user.enterprise_id is not None:  # an enterprise's user supervises nothing
        return DataErrorReport.id.is_(None)
    return DataErrorReport.region_code.startswith(user.scope_prefix)


def reports_for(session: Session, user: User, *, open_only: bool = True) -> list[ReportRow]:
    """Reports in the user's region: the open ones by deadline, else the latest answered."""
    stmt = select(DataErrorReport, Enterprise.uscc, Enterprise.name).join(
        Enterprise, Enterprise.id == DataErrorReport.enterprise_id
    )
    if open_only:
        stmt = stmt.where(_in_scope(user), DataErrorReport.status == "open").order_by(
            DataErrorReport.due_on, DataErrorReport.id
        )
    else:
        stmt = (
            stmt.where(_in_scope(user), DataErrorReport.status != "open")
            .order_by(DataErrorReport.answered_at.desc(), DataErrorReport.id.desc())
            .limit(RECENT)
        )
    return [ReportRow(r, uscc, name) for r, uscc, name in session.execute(stmt)]


def get_report(session: Session, user: User, report_id: int) -> DataErrorReport:
    """One report of the user's region (with the reporter's contact: officers only)."""
    report = session.get(DataErrorReport, report_id)
    if report is None:
        raise NotFound(msg("未找到编号为 %(id)s 的数据错误报告", id=report_id))
    if not user.may_act_in(report.region_code):
        raise Forbidden(msg("该数据错误报告不在您的管辖区域内"))
    return report


def answer_data_error(
    session: Session,
    user: User,
    report_id: int,
    *,
    corrected: bool,
    answer: str,
    now: dt.datetime | None = None,
) -> DataErrorReport:
    """Close a report as corrected or as no error; the record's 核查中 ends with the last."""
    report = get_report(session, user, report_id)
    session.refresh(report, with_for_update=True)
    if report.status != "open":
        raise Conflict(msg("该数据错误报告已答复"))
    errors: dict[str, list[str]] = {}
    text = case_text(answer, "answer", msg("答复意见"), ANSWER_CHARS, errors)
    if errors:
        raise Invalid(msg("请填写答复意见"), errors)
    report.answer = text
    report.status = "corrected" if corrected else "no_error"
    report.answered_by = user.id
    report.answered_at = now or utcnow()
    session.flush()
    if not is_under_review(session, report.record_type, report.record_id):
        record_change(
            session, report.record_type, report.record_id, enterprise_id=report.enterprise_id
        )
    audit(
        session,
        f"user:{user.id}",
        f"data_error.{report.status}",
        f"data_error:{report.id}",
        {"record": f"{report.record_type}:{report.record_id}"},
    )
    return report


def _row(session: Session, report: DataErrorReport) -> ReportRow:
    ent = session.get(Enterprise, report.enterprise_id)
    assert ent is not None
    return ReportRow(report, ent.uscc, ent.name)


def report_row(session: Session, user: User, report_id: int) -> ReportRow:
    """One report of the user's region with its enterprise (the regulator's page)."""
    return _row(session, get_report(session, user, report_id))


def find_by_reference(session: Session, reference: str) -> ReportRow:
    """A report by its public reference (SJ-…), or NotFound; the status page shows only
    its record, status, deadline and answer."""
    ref = (reference or "").strip().upper()[:20]
    report = session.scalar(select(DataErrorReport).where(DataErrorReport.reference == ref))
    if report is None:
        raise NotFound(msg("未找到编号为 %(ref)s 的数据错误报告", ref=ref))
    return _row(session, report)
