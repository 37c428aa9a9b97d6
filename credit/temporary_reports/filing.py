"""An enterprise user files the temporary report (临时报告) it owes for one of its penalties.

A filed report is public data: it enters the change log (mirrors see it; rescoring re-rates
the enterprise, since a missing or late report may deduct points).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import Msg, msg
from core.users import ENTERPRISE_ROLES, User
from credit.ratings.rules import Rulebook
from credit.records.models import Enterprise
from credit.temporary_reports.models import TemporaryReport
from credit.temporary_reports.obligations import TemporaryObligation, temporary_obligations
from credit.tipoffs.timeline import clean_text

MIN_LENGTH, MAX_LENGTH = 10, 4000
MAX_URL = 500


def _refuse(field: str, message: Msg) -> Invalid:
    return Invalid(message, {field: [message]})


def filing_enterprise_id(user: User) -> int:
    """The enterprise an active enterprise user files for (403 for anyone else)."""
    if user.enterprise_id is None or user.role not in ENTERPRISE_ROLES or not user.active:
        raise Forbidden(msg("只有企业账户可以披露临时报告"))
    return user.enterprise_id


def own_temporary_reports(
    session: Session, book: Rulebook, user: User, today: dt.date
) -> tuple[Enterprise, list[TemporaryObligation]]:
    """The user's enterprise and the temporary reports it owes (403 for a non-enterprise user)."""
    enterprise = session.get(Enterprise, filing_enterprise_id(user))
    assert enterprise is not None  # the foreign key
    return enterprise, temporary_obligations(session, book, enterprise.id, today)


def own_obligation(
    session: Session, book: Rulebook, user: User, penalty_id: int, today: dt.date
) -> TemporaryObligation:
    """The user's enterprise's obligation for ``penalty_id`` (404 for any other penalty:
    another enterprise's penalty is not confirmed to exist)."""
    enterprise_id = filing_enterprise_id(user)
    for item in temporary_obligations(session, book, enterprise_id, today):
        if item.penalty_id == penalty_id:
            return item
    raise NotFound(msg("本企业没有需要为处罚 %(id)s 披露的临时报告", id=penalty_id))


def file_temporary_report(
    session: Session,
    book: Rulebook,
    user: User,
    *,
    penalty_id: int,
    content: str,
    url: str,
    today: dt.date,
) -> TemporaryReport:
    """File the temporary report for one open (or overdue) obligation; once per penalty."""
    obligation = own_obligation(session, book, user, penalty_id, today)
    if obligation.report is not None:
        filed = obligation.report.filed_on.isoformat()
        raise Conflict(msg("该处罚的临时报告已于 %(date)s 披露", date=filed))
    body = clean_text(content)
    if not MIN_LENGTH <= len(body) <= MAX_LENGTH:
        raise _refuse(
            "content", msg("报告内容须为 %(low)s–%(high)s 字", low=MIN_LENGTH, high=MAX_LENGTH)
        )
    link = (url or "").strip() or None
    if link is not None and (
        len(link) > MAX_URL
        or not link.startswith(("http://", "https://"))
        or any(c.isspace() for c in link)
    ):
        raise _refuse("url", msg("链接须以 http:// 或 https:// 开头，且不超过 500 个字符"))
    report = TemporaryReport(
        enterprise_id=user.enterprise_id,
        penalty_id=penalty_id,
        content=body,
        url=link,
        filed_on=today,
        filed_by=user.id,
    )
    session.add(report)
    session.flush()
    record_change(session, TemporaryReport.entity, report.id, enterprise_id=report.enterprise_id)
    audit(
        session,
        f"user:{user.id}",
        "temporary_report.filed",
        f"temporary_report:{report.id}",
        {"penalty_id": penalty_id, "due": obligation.due.isoformat()},
    )
    return report
