"""What an enterprise's user sees first: its rating and why (the public page's words), the
deadlines coming up (permits, the annual and temporary disclosure reports, the regulator's
answers to its objections and repair applications), and the open public cases about it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Forbidden
from core.messages import Msg, msg
from core.users import User
from credit.cases.models import Objection, RepairApplication
from credit.obligations.status import obliged_years
from credit.ratings.loader import active_rulebook
from credit.records.credit_file import CreditFile, credit_file
from credit.records.models import Enterprise, Penalty
from credit.temporary_reports.obligations import temporary_obligations
from credit.tipoffs.nearby import open_tipoffs_nearby
from credit.tipoffs.public import PublicTipOff

#: permits expiring within this many days are listed as deadlines
PERMIT_NOTICE_DAYS = 90
#: missing temporary reports stay listed this many days after their due date
TEMPORARY_OVERDUE_DAYS = 365


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    what: Msg
    #: days left (negative: overdue)
    days_left: int
    done: bool = False
    #: what the item links to: "temporary" (ref: the penalty id, its filing form), "case"
    #: (ref: an objection's or repair application's public reference), "" none
    kind: str = ""
    ref: int | str | None = None


@dataclass(frozen=True)
class Dashboard:
    enterprise: Enterprise
    file: CreditFile
    deadlines: list[Deadline]
    #: open tip-offs that name the enterprise, as anyone may see them (public summaries:
    #: no description, no reporter)
    cases: tuple[PublicTipOff, ...] = ()


def own_enterprise(session: Session, user: User) -> Enterprise:
    """The enterprise ``user`` acts for (403 for anyone else: an enterprise's user sees
    only its own enterprise, and there is no parameter to ask for another)."""
    if user.enterprise_id is None:
        raise Forbidden(msg("只有企业账户可以访问此页面"))
    enterprise = session.get(Enterprise, user.enterprise_id)
    assert enterprise is not None  # the foreign key
    return enterprise


def _annual_report(file: CreditFile, today: dt.date, listed: list[int]) -> Deadline | None:
    """The next annual disclosure report due, by the active rulebook's date, when the
    enterprise is obliged to disclose: by the obliged list when it is on it for any year
    (``listed``), else by its permit category (as the rating decides)."""
    rule = active_rulebook().disclosure
    if rule is None:
        return None
    due = dt.date(today.year, rule.due_month, rule.due_day)
    year = today.year - 1
    if today > due:
        due, year = due.replace(year=today.year + 1), today.year
    if listed:
        if year not in listed:
            return None
    elif file.enterprise.get("permit_category") not in rule.categories:
        return None
    done = any(d.year == year for d in file.disclosures)
    return Deadline(
        due, msg("%(year)s 年度环境信息依法披露报告", year=year), (due - today).days, done
    )


def _temporary_reports(session: Session, enterprise_id: int, today: dt.date) -> list[Deadline]:
    """Temporary reports still open, or missing and overdue by at most a year."""
    out = []
    for item in temporary_obligations(session, active_rulebook(), enterprise_id, today):
        left = item.days_left(today)
        if item.status == "not_yet_due" or (
            item.status == "missing" and -left <= TEMPORARY_OVERDUE_DAYS
        ):
            what = msg("处罚 %(no)s 的临时环境信息依法披露报告", no=item.decision_no)
            out.append(Deadline(item.due, what, left, kind="temporary", ref=item.penalty_id))
    return out


def _answers_due(session: Session, enterprise_id: int, today: dt.date) -> list[Deadline]:
    """The regulator's answer due dates of the enterprise's open objections and pending
    repair applications."""
    out = []
    for ref, due in session.execute(
        select(Objection.reference, Objection.due_at).where(
            Objection.enterprise_id == enterprise_id, Objection.status == "open"
        )
    ):
        what = msg("监管部门答复异议 %(ref)s 的期限", ref=ref)
        out.append(Deadline(due, what, (due - today).days, kind="case", ref=ref))
    for ref, due in session.execute(
        select(RepairApplication.reference, RepairApplication.due_at)
        .join(Penalty, Penalty.id == RepairApplication.penalty_id)
        .where(Penalty.enterprise_id == enterprise_id, RepairApplication.status == "pending")
    ):
        what = msg("监管部门答复信用修复申请 %(ref)s 的期限", ref=ref)
        out.append(Deadline(due, what, (due - today).days, kind="case", ref=ref))
    return out


def _public_cases(session: Session, enterprise: Enterprise) -> tuple[PublicTipOff, ...]:
    """Open tip-offs naming the enterprise, by their public summaries only."""
    found = open_tipoffs_nearby(session, enterprise_uscc=enterprise.uscc)
    return tuple(t.summary for t in found if t.about_enterprise)


def enterprise_dashboard(session: Session, user: User, today: dt.date) -> Dashboard:
    enterprise = own_enterprise(session, user)
    file = credit_file(session, enterprise, today)
    deadlines = []
    for permit in file.permits:
        left = (permit.valid_until - today).days if permit.valid_until else None
        if left is not None and -30 <= left <= PERMIT_NOTICE_DAYS:
            what = msg("排污许可证 %(no)s 到期", no=permit.permit_no)
            deadlines.append(Deadline(permit.valid_until, what, left))
    report = _annual_report(file, today, obliged_years(session, enterprise.id))
    if report is not None:
        deadlines.append(report)
    deadlines += _temporary_reports(session, enterprise.id, today)
    deadlines += _answers_due(session, enterprise.id, today)
    deadlines.sort(key=lambda d: d.due)
    return Dashboard(enterprise, file, deadlines, _public_cases(session, enterprise))
