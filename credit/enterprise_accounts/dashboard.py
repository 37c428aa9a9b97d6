"""What an enterprise's user sees first: its rating and why (the public page's words), the
deadlines coming up, and its users."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import Forbidden
from core.messages import Msg, msg
from core.users import User
from credit.obligations.status import obliged_years
from credit.ratings.loader import active_rulebook
from credit.records.credit_file import CreditFile, credit_file
from credit.records.models import Enterprise

#: permits expiring within this many days are listed as deadlines
PERMIT_NOTICE_DAYS = 90


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    what: Msg
    #: days left (negative: overdue)
    days_left: int
    done: bool = False


@dataclass(frozen=True)
class Dashboard:
    enterprise: Enterprise
    file: CreditFile
    deadlines: list[Deadline]


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
    deadlines.sort(key=lambda d: d.due)
    return Dashboard(enterprise, file, deadlines)
