"""Deadline figures of a region and month: the 12369 measures, as ours.

For the tip-offs received in the month (Beijing time) in the region (its code prefix), by
county and in total:

* **acceptance on time**: of the reports whose acceptance decision is due (decided, or still
  waiting past the deadline), the share decided — accepted, not accepted (不予受理) or merged
  — on or before ``accept_due_at``; a report still waiting past it counts as late;
* **closure on time**: of the reports whose closure is due (closed, or open past ``due_at``),
  the share closed on or before it; a report merged into another counts as closed when it was
  merged (so merging a late report cannot flatter the rate);
* **mean days** from receipt to acceptance and to closure (calendar days, one decimal);
* **ageing** of the reports still open today, by days since receipt.

Only counts leave this module: no reporter field is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import local_date
from core.errors import Forbidden, Invalid
from core.messages import msg
from core.reference import Region, region_prefix
from core.users import User
from credit.tipoffs.models import TipOff, TipOffEvent
from credit.tipoffs.statistics import month_bounds, parse_month
from credit.tipoffs.vocabulary import FINAL

#: (first day, last day or None) of each ageing bucket, in days since receipt
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 15),
    (16, 30),
    (31, 60),
    (61, 90),
    (91, None),
)
_REGION = re.compile(r"^\d{6}$")
CSV_FIELDS = (
    "row",
    "month",
    "region_code",
    "region_name",
    "received",
    "acceptance_due",
    "accepted_on_time",
    "acceptance_on_time_rate",
    "mean_days_to_acceptance",
    "closure_due",
    "closed_on_time",
    "closure_on_time_rate",
    "mean_days_to_closure",
    "open",
    *(f"age_{lo}_{hi}" if hi is not None else f"age_{lo}_plus" for lo, hi in AGE_BUCKETS),
)


@dataclass
class Figures:
    """One region's (or the total's) figures for the month."""

    region_code: str
    region_name: str
    received: int = 0
    acceptance_due: int = 0
    accepted_on_time: int = 0
    closure_due: int = 0
    closed_on_time: int = 0
    open: int = 0
    ageing: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))
    acceptance_days: list[float] = field(default_factory=list)
    closure_days: list[float] = field(default_factory=list)

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted_on_time, self.acceptance_due)

    @property
    def closure_rate(self) -> float | None:
        return _rate(self.closed_on_time, self.closure_due)

    @property
    def mean_days_to_acceptance(self) -> float | None:
        return _mean(self.acceptance_days)

    @property
    def mean_days_to_closure(self) -> float | None:
        return _mean(self.closure_days)


@dataclass(frozen=True)
class DeadlineReport:
    """The figures of a region and month: per county that received reports, and the total."""

    region_code: str
    month: str
    today: dt.date
    rows: list[Figures]
    total: Figures


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


def _bucket(age: int) -> int:
    return next(
        i for i, (lo, hi) in enumerate(AGE_BUCKETS) if age >= lo and (hi is None or age <= hi)
    )


def _region(user: User, region: str | None) -> str:
    """The region asked for (default: the user's own), checked against the user's scope."""
    code = (region or "").strip() or user.region_code
    if not _REGION.fullmatch(code):
        message = msg("行政区划代码须为 6 位数字")
        raise Invalid(message, {"region": [message]})
    if not (user.may_act_in(code) or user.scope_prefix == ""):
        raise Forbidden(msg("该地区不在您的管辖区域内"))
    return code


def _add(fig: Figures, t: TipOff, decided_at: dt.datetime | None, today: dt.date) -> None:
    """Count one report into ``fig`` (see the module's definitions)."""
    fig.received += 1
    merged = t.duplicate_of_id is not None
    decision = t.accepted_at or decided_at or (t.closed_at if merged else None)
    if decision is not None:
        fig.acceptance_due += 1
        fig.accepted_on_time += local_date(decision) <= t.accept_due_at
    elif t.status == "received" and today > t.accept_due_at:
        fig.acceptance_due += 1
    if t.accepted_at is not None:
        fig.acceptance_days.append(_days(t.created_at, t.accepted_at))
    if t.status == "closed" and t.closed_at is not None:
        fig.closure_due += 1
        fig.closed_on_time += local_date(t.closed_at) <= t.due_at
        if not merged:
            fig.closure_days.append(_days(t.created_at, t.closed_at))
    elif t.status not in FINAL:
        fig.closure_due += today > t.due_at
    if t.status not in FINAL:
        fig.open += 1
        fig.ageing[_bucket((today - local_date(t.created_at)).days)] += 1


def _merge_into(total: Figures, part: Figures) -> None:
    for name in (
        "received",
        "acceptance_due",
        "accepted_on_time",
        "closure_due",
        "closed_on_time",
        "open",
    ):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.ageing = [a + b for a, b in zip(total.ageing, part.ageing, strict=True)]
    total.acceptance_days += part.acceptance_days
    total.closure_days += part.closure_days


def deadline_report(
    session: Session, user: User, *, region: str | None, month: str | None, today: dt.date
) -> DeadlineReport:
    """The deadline figures of ``region`` (default: the user's; only inside their scope) for
    the tip-offs received in ``month`` (YYYY-MM, default: this month)."""
    code = _region(user, region)
    year, mon = parse_month(month, today)
    start, end = month_bounds(year, mon)
    where = (
        TipOff.created_at >= start,
        TipOff.created_at < end,
        TipOff.region_code.like(region_prefix(code) + "%"),
    )
    tipoffs = session.scalars(select(TipOff).where(*where).order_by(TipOff.id)).all()
    rejected = dict(
        session.execute(
            select(TipOffEvent.tipoff_id, func.min(TipOffEvent.at))
            .join(TipOff, TipOff.id == TipOffEvent.tipoff_id)
            .where(TipOffEvent.kind == "rejected", *where)
            .group_by(TipOffEvent.tipoff_id)
        ).all()
    )
    codes = sorted({t.region_code for t in tipoffs if t.region_code})
    names = dict(
        session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all()
    )
    by_region = {c: Figures(c, names.get(c, c)) for c in codes}
    for t in tipoffs:
        assert t.region_code is not None  # the region filter keeps placed reports only
        _add(by_region[t.region_code], t, rejected.get(t.id), today)
    own = session.get(Region, code)
    total = Figures(code, own.name if own else code)
    for fig in by_region.values():
        _merge_into(total, fig)
    return DeadlineReport(code, f"{year:04d}-{mon:02d}", today, list(by_region.values()), total)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value}"


def deadlines_csv(report: DeadlineReport) -> str:
    """The report as CSV (UTF-8 with a BOM, so that Excel reads the Chinese): one ``region``
    row per county, then the ``total`` row (region_code: the region asked for)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    rows = [("region", fig) for fig in report.rows] + [("total", report.total)]
    for kind, fig in rows:
        writer.writerow(
            [
                kind,
                report.month,
                fig.region_code,
                fig.region_name,
                fig.received,
                fig.acceptance_due,
                fig.accepted_on_time,
                _cell(fig.acceptance_rate),
                _cell(fig.mean_days_to_acceptance),
                fig.closure_due,
                fig.closed_on_time,
                _cell(fig.closure_rate),
                _cell(fig.mean_days_to_closure),
                fig.open,
                *fig.ageing,
            ]
        )
    return buffer.getvalue()
