"""Each obligation of the obliged-to-disclose list with its status on a day.

``obligation_list`` is the one query behind ``/disclosures``, ``/disclosures.csv`` and
``GET /api/v1/disclosures``; the status rule is the rating engine's (``report_status``,
``disclosure_due`` with the active rulebook's due date), so the page and the rating agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messages import msg
from core.reference import Region, region_prefix
from credit.obligations.models import DisclosureObligation
from credit.ratings.engine import disclosure_due, report_status
from credit.ratings.rules import Rulebook
from credit.records.models import DisclosureReport, Enterprise
from credit.records.nearby import bad_parameter

#: the statuses, in the order pages count them
STATUSES = ("on_time", "late", "missing", "not_yet_due")
PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class ObligationStatus:
    uscc: str
    name: str
    region_code: str | None
    year: int
    due: dt.date
    #: one of STATUSES
    status: str
    submitted_at: dt.date | None
    report_url: str | None


@dataclass(frozen=True)
class ObligationList:
    year: int
    region: str
    #: the region's name (empty: every region)
    region_name: str
    due: dt.date
    counts: dict[str, int]
    total: int
    page: int
    pages: int
    rows: list[ObligationStatus]
    #: the years that have an obliged list, newest first
    years: list[int] = field(default_factory=list)


def obligation_list(
    session: Session,
    book: Rulebook,
    today: dt.date,
    year: int | None = None,
    region: str = "",
    page: int = 1,
    per_page: int | None = PER_PAGE,
) -> ObligationList:
    """The obliged enterprises of ``year`` (default: the latest listed year) in ``region``
    (a GB/T 2260 code, "" = all), ordered by region and USCC, with counts per status over
    the whole list and page ``page`` of ``per_page`` rows (None: every row)."""
    years = list(
        session.scalars(
            select(DisclosureObligation.year).distinct().order_by(DisclosureObligation.year.desc())
        )
    )
    if year is None:
        year = years[0] if years else today.year - 1
    if not 1990 <= year <= 2100:
        raise bad_parameter("year", msg("年度须在 1990–2100 之间"))
    region_name = ""
    if region:
        found = session.get(Region, region)
        if found is None:
            raise bad_parameter("region", msg("未知的行政区划代码（GB/T 2260）"))
        region_name = found.name
    if page < 1:
        raise bad_parameter("page", msg("页码须为正整数"))
    due = disclosure_due(book.disclosure, year)
    stmt = (
        select(
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.region_code,
            DisclosureReport.submitted_at,
            DisclosureReport.url_or_text,
        )
        .select_from(DisclosureObligation)
        .join(Enterprise, Enterprise.id == DisclosureObligation.enterprise_id)
        .outerjoin(
            DisclosureReport,
            (DisclosureReport.enterprise_id == DisclosureObligation.enterprise_id)
            & (DisclosureReport.year == DisclosureObligation.year),
        )
        .where(DisclosureObligation.year == year)
        .order_by(Enterprise.region_code, Enterprise.uscc)
    )
    if region:
        stmt = stmt.where(Enterprise.region_code.startswith(region_prefix(region)))
    rows = []
    for uscc, name, code, submitted_at, url in session.execute(stmt):
        status = report_status(due, submitted_at, today)
        shown = submitted_at if submitted_at is not None and submitted_at <= today else None
        link = url if shown and url and url.startswith(("http://", "https://")) else None
        rows.append(ObligationStatus(uscc, name, code, year, due, status, shown, link))
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    total = len(rows)
    size = per_page or max(total, 1)
    pages = max(1, -(-total // size))
    if page > pages:
        raise bad_parameter("page", msg("页码超出范围（共 %(pages)s 页）", pages=pages))
    return ObligationList(
        year,
        region,
        region_name,
        due,
        counts,
        total,
        page,
        pages,
        rows[(page - 1) * size : page * size],
        years,
    )


def obliged_years(session: Session, enterprise_id: int) -> list[int]:
    """The years an enterprise is on the obliged list, newest first."""
    return list(
        session.scalars(
            select(DisclosureObligation.year)
            .where(DisclosureObligation.enterprise_id == enterprise_id)
            .order_by(DisclosureObligation.year.desc())
        )
    )
