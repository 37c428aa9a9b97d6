"""An enterprise's user fills in, saves and submits the annual report of its own enterprise.

Managers and filers (企业管理员, 填报员) may edit; anyone else is refused, and no page takes
an enterprise as a parameter. Submission checks every required part, stores plausibility
flags, freezes the report (``snapshot``) and records the year's disclosure through the same
record-write path as imports (``credit.records.importing.push_records``): the change log,
rescoring and the obliged list follow. A submitted report is never edited again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import local_date
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import Msg, msg
from core.users import ENTERPRISE_ROLES, User
from credit.annual_reports.answers import is_complete, read_answers
from credit.annual_reports.models import AnnualReport
from credit.annual_reports.parts import PARTS, carbon_industries, is_required
from credit.annual_reports.plausibility import margin_of, plausibility_flags
from credit.annual_reports.prefill import first_answers, held_records
from credit.enterprise_accounts.dashboard import own_enterprise
from credit.obligations.status import obliged_years
from credit.records.importing import push_records
from credit.records.models import DisclosureReport, Enterprise

#: roles that may save and submit (every enterprise role today)
EDITOR_ROLES = ENTERPRISE_ROLES
#: the years a report may be for, around today's
EARLIEST_YEAR = 2020


@dataclass(frozen=True)
class Settings:
    """The configuration a filing reads (``DISCLOSURE_PLAUSIBILITY_MARGIN``,
    ``DISCLOSURE_CARBON_INDUSTRIES``)."""

    margin: Any = None
    carbon: str | None = None


@dataclass
class ReportForm:
    """One year's report as the form shows it."""

    enterprise: Enterprise
    year: int
    report: AnnualReport | None
    answers: dict[str, Any]
    records: dict[str, Any]
    #: the keys of the parts required of this enterprise
    required: list[str] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.status == "submitted"


def _editor(session: Session, user: User) -> Enterprise:
    enterprise = own_enterprise(session, user)
    if user.role not in EDITOR_ROLES or not user.active:
        raise Forbidden(msg("只有企业管理员或填报员可以填报年度报告"))
    return enterprise


def _year(year: int, today: dt.date) -> int:
    if not EARLIEST_YEAR <= year <= today.year:
        raise NotFound(msg("没有 %(year)s 年度的报告", year=year))
    return year


def _find(
    session: Session, enterprise_id: int, year: int, lock: bool = False
) -> AnnualReport | None:
    stmt = select(AnnualReport).where(
        AnnualReport.enterprise_id == enterprise_id, AnnualReport.year == year
    )
    # two users of one enterprise saving at once: the second waits, then sees the first
    return session.scalar(stmt.with_for_update() if lock else stmt)


def required_parts(enterprise: Enterprise, settings: Settings) -> list[str]:
    carbon = carbon_industries(settings.carbon)
    return [p.key for p in PARTS if is_required(p, enterprise.industry_code, carbon)]


def report_years(session: Session, user: User, today: dt.date) -> list[tuple[int, Any]]:
    """The years the enterprise has (or should have) a report for, newest first, each with
    its report or None: last year, the obliged list's years and every started report."""
    enterprise = own_enterprise(session, user)
    reports = {
        r.year: r
        for r in session.scalars(
            select(AnnualReport).where(AnnualReport.enterprise_id == enterprise.id)
        )
    }
    years = {today.year - 1, *reports}
    years |= {y for y in obliged_years(session, enterprise.id) if y <= today.year}
    return [(y, reports.get(y)) for y in sorted(years, reverse=True)]


def report_form(
    session: Session, user: User, year: int, today: dt.date, settings: Settings
) -> ReportForm:
    """The report of ``year`` to fill in: the saved answers, else the prefilled ones."""
    enterprise = own_enterprise(session, user)
    year = _year(year, today)
    report = _find(session, enterprise.id, year)
    if report is not None and report.snapshot is not None:
        snap = report.snapshot
        return ReportForm(
            enterprise, year, report, snap["answers"], snap["records"], snap["required"]
        )
    records = held_records(session, enterprise, year, today)
    answers = report.payload if report is not None else first_answers(records)
    return ReportForm(
        enterprise, year, report, answers, records, required_parts(enterprise, settings)
    )


def _writable(session: Session, user: User, year: int, today: dt.date) -> AnnualReport:
    enterprise = _editor(session, user)
    year = _year(year, today)
    report = _find(session, enterprise.id, year, lock=True)
    if report is None:
        report = AnnualReport(enterprise_id=enterprise.id, year=year, status="draft", flags=[])
        session.add(report)
    elif report.status == "submitted":
        raise Conflict(
            msg(
                "%(year)s 年度报告已于 %(date)s 提交并公开，不能再修改",
                year=year,
                date=report.submitted_on.isoformat() if report.submitted_on else "",
            )
        )
    return report


def save_draft(
    session: Session, user: User, year: int, form: dict[str, str], today: dt.date
) -> AnnualReport:
    """Save the answers as the year's draft (created on first save)."""
    answers = read_answers(form)
    report = _writable(session, user, year, today)
    report.payload = answers
    report.saved_by, report.saved_at = user.id, utcnow()
    session.flush()
    audit(session, f"user:{user.id}", "annual_report.saved", f"annual_report:{report.id}")
    return report


def _names(keys: list[str]) -> Msg:
    titles = [p.title for p in PARTS if p.key in keys]
    return Msg("、".join(t[0] for t in titles), ", ".join(t[1] for t in titles))


def submit_report(
    session: Session,
    user: User,
    year: int,
    form: dict[str, str],
    settings: Settings,
    public_url: Callable[[str, int], str],
    now: dt.datetime | None = None,
) -> AnnualReport:
    """Submit the year's report: every required part complete (Invalid naming the missing
    ones, nothing stored), plausibility flags stored, the content frozen and published at
    ``public_url(uscc, year)``, and the year's disclosure recorded with the submission date."""
    now = now or utcnow()
    today = local_date(now)
    answers = read_answers(form)
    report = _writable(session, user, year, today)
    enterprise = session.get(Enterprise, report.enterprise_id)
    assert enterprise is not None
    required = required_parts(enterprise, settings)
    missing = [p.key for p in PARTS if p.key in required and not is_complete(p, answers)]
    if missing:
        names = _names(missing)
        raise Invalid(
            msg("以下必填部分未填写完整，未提交：%(parts)s", parts=names),
            # each part's name (the page marks the part; the message already names it)
            {f"part.{p.key}": [Msg(*p.title)] for p in PARTS if p.key in missing},
        )
    records = held_records(session, enterprise, report.year, today)
    url = public_url(enterprise.uscc, report.year)
    emissions = answers["pollution"]["emissions"]
    report.flags = plausibility_flags(emissions, records, margin_of(settings.margin))
    report.payload = answers
    report.status = "submitted"
    report.saved_by = report.submitted_by = user.id
    report.saved_at = report.submitted_at = now
    report.submitted_on = today
    report.snapshot = {
        "year": report.year,
        "answers": answers,
        "records": records,
        "required": required,
        "submitted_on": today.isoformat(),
        "submitted_at": now.isoformat(),
        "url": url,
    }
    session.flush()
    _record_disclosure(session, user, enterprise, report.year, today, url)
    audit(
        session,
        f"user:{user.id}",
        "annual_report.submitted",
        f"annual_report:{report.id}",
        {"year": report.year, "flags": len(report.flags)},
    )
    return report


def _record_disclosure(
    session: Session, user: User, ent: Enterprise, year: int, today: dt.date, url: str
) -> None:
    """The year's disclosure record, through the import path (change log, rescoring). A
    record already held for the year (e.g. imported) keeps its earlier date."""
    held = session.scalar(
        select(DisclosureReport.submitted_at).where(
            DisclosureReport.enterprise_id == ent.id, DisclosureReport.year == year
        )
    )
    date = min(held, today) if held is not None else today
    row = {"uscc": ent.uscc, "year": year, "submitted_at": date.isoformat(), "url": url}
    push_records(session, f"user:{user.id}", "disclosures", [row])
