"""Submitted annual reports: the public version (frozen at submission) and the regulators'
list of submitted reports of their region with their plausibility flags."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Forbidden, NotFound
from core.messages import msg
from core.users import REGULATOR_ROLES, User
from credit.annual_reports.models import AnnualReport
from credit.records.models import Enterprise

LIST_SIZE = 200


@dataclass(frozen=True)
class Published:
    report: AnnualReport
    uscc: str
    name: str
    region_code: str | None


def published_report(session: Session, uscc: str, year: int) -> Published:
    """The submitted report of ``uscc`` for ``year`` as published (404 for a draft or none)."""
    row = session.execute(
        select(AnnualReport, Enterprise.uscc, Enterprise.name, Enterprise.region_code)
        .join(Enterprise, Enterprise.id == AnnualReport.enterprise_id)
        .where(
            Enterprise.uscc == uscc.upper()[:18],
            AnnualReport.year == year,
            AnnualReport.status == "submitted",
        )
    ).first()
    if row is None:
        raise NotFound(msg("该企业没有已提交的 %(year)s 年度报告", year=year))
    return Published(*row)


def submitted_reports(
    session: Session, user: User, year: int | None = None, flagged_only: bool = False
) -> list[Published]:
    """Submitted reports of my region, newest submission first (regulators only)."""
    if user.role not in REGULATOR_ROLES or user.enterprise_id is not None:
        raise Forbidden(msg("只有监管人员可以查看年度报告审核列表"))
    stmt = (
        select(AnnualReport, Enterprise.uscc, Enterprise.name, Enterprise.region_code)
        .join(Enterprise, Enterprise.id == AnnualReport.enterprise_id)
        .where(
            AnnualReport.status == "submitted",
            Enterprise.region_code.startswith(user.scope_prefix),
        )
        .order_by(AnnualReport.submitted_at.desc(), AnnualReport.id.desc())
        .limit(LIST_SIZE)
    )
    if year is not None:
        stmt = stmt.where(AnnualReport.year == year)
    rows = [Published(*r) for r in session.execute(stmt)]
    return [r for r in rows if r.report.flags] if flagged_only else rows
