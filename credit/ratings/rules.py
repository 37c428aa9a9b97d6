"""Rulebook types: the immutable rules a rulebook file is loaded into (loading: loader.py)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from credit.ratings.levels import LEVELS  # noqa: F401 - a rulebook's levels are these

SEVERITIES = ("minor", "general", "grave")
CATEGORIES = ("key", "simplified", "registration")
#: the events that open a temporary-report obligation (办法 Art. 17/18); only penalties so far
TEMPORARY_EVENTS = ("penalty",)
VETO_KINDS = ("penalty", "no_permit", "inspection", "emission", "exceedance")
WINDOW_PATTERN = re.compile(r"^\s*(\d{1,4})\s+(day|days|month|months|year|years)\s*$")


class RulebookError(ValueError):
    """A rulebook file that cannot be used, with the file, key and problem."""


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end (2025-11-30 + 3 → 2026-02-28).

    The same result as dateutil's relativedelta, several times faster: rescoring calls it
    for every record of every enterprise.
    """
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = _MONTH_DAYS[month0]
    if month0 == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    return day.replace(year=year, month=month0 + 1, day=min(day.day, last))


@dataclass(frozen=True, slots=True)
class Window:
    """How long a record counts: a calendar period, or until the penalty's publish_until."""

    period: relativedelta | None  # None = until publish_until
    days: int = 0
    months: int = 0

    @classmethod
    def of(cls, period: relativedelta | None) -> Window:
        if period is None:
            return cls(None)
        return cls(period, period.days, period.months + 12 * period.years)

    def end(self, start: dt.date, publish_until: dt.date | None = None) -> dt.date:
        if self.period is None:
            assert publish_until is not None
            return publish_until
        if self.months:
            start = add_months(start, self.months)
        return start + dt.timedelta(days=self.days) if self.days else start


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    id: str
    points: int
    window: Window
    severity: frozenset[str] | None = None
    criminal_transfer: bool | None = None


@dataclass(frozen=True, slots=True)
class Surcharge:
    id: str
    points: int
    fine_min_fen: int
    fine_max_fen: int | None


@dataclass(frozen=True, slots=True)
class CountedRule:
    """Inspections with an outcome, or substantiated tip-offs: per item, capped, windowed."""

    id: str
    points: int
    cap: int | None
    window: Window
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class EmissionRule:
    id: str
    points: int
    cap: int | None


@dataclass(frozen=True, slots=True)
class DisclosureRule:
    categories: frozenset[str]
    due_month: int
    due_day: int
    missing_id: str
    missing_points: int
    late_id: str
    late_points: int


@dataclass(frozen=True, slots=True)
class Veto:
    id: str
    when: str
    level: str
    kinds: frozenset[str] = frozenset()
    criminal_transfer: bool | None = None
    categories: frozenset[str] = frozenset()
    outcome: str | None = None
    window: Window | None = None
    over_ratio: float | None = None
    #: exceedance vetoes: this many exceedance days in the window or more
    min_days: int | None = None


@dataclass(frozen=True, slots=True)
class DataGapRule:
    """Outlet-months of the last ``months`` full months before D's month with valid hourly
    means for fewer than ``min_share`` of the month's hours (months from commissioning on)."""

    id: str
    points: int
    cap: int | None
    months: int
    min_share: float


@dataclass(frozen=True, slots=True)
class CleanYears:
    id: str
    points: int
    max: int


@dataclass(frozen=True, slots=True)
class PledgeRule:
    """A bonus while the enterprise's credit pledge (信用承诺) for D's year, signed by D,
    stands (optional: a jurisdiction that rewards pledges adds ``[pledge]``)."""

    id: str
    points: int


@dataclass(frozen=True, slots=True)
class TemporaryReportRule:
    """A temporary disclosure report (临时环境信息依法披露报告) owed ``workdays`` working days
    after each configured event (``events``: an administrative penalty's decision date) of an
    enterprise on the obliged list for the event's year or the year before; missing or late
    reports deduct, capped, while the penalty is published and ``window`` from the due date."""

    events: frozenset[str]
    workdays: int
    missing_id: str
    missing_points: int
    late_id: str
    late_points: int
    cap: int | None
    window: Window


@dataclass(frozen=True, slots=True)
class Rulebook:
    name: str
    version: str
    effective_from: dt.date
    title: str
    start: int
    min: int
    max: int
    #: (level, minimum score), highest first
    levels: tuple[tuple[str, int], ...]
    penalties: tuple[PenaltyRule, ...] = ()
    surcharges: tuple[Surcharge, ...] = ()
    inspections: tuple[CountedRule, ...] = ()
    emission: EmissionRule | None = None
    disclosure: DisclosureRule | None = None
    tipoff: CountedRule | None = None
    vetoes: tuple[Veto, ...] = ()
    clean_years: CleanYears | None = None
    #: automatic monitoring: days with a valid hourly mean above an outlet's limit
    exceedance: CountedRule | None = None
    data_gap: DataGapRule | None = None
    #: a signed credit pledge's bonus (absent: pledges do not score)
    pledge: PledgeRule | None = None
    #: temporary disclosure reports after a penalty (absent: they do not score)
    temporary_report: TemporaryReportRule | None = None
    #: what people read for each rule id: (id, zh-CN title, English title)
    titles: tuple[tuple[str, str, str], ...] = ()

    def title_of(self, rule_id: str) -> tuple[str, str] | None:
        """The (zh-CN, English) title of a rule of this rulebook; None for an unknown id."""
        for ident, zh, en in self.titles:
            if ident == rule_id:
                return zh, en
        return None

    @property
    def rule_ids(self) -> list[str]:
        """Every rule's id, in file order by kind."""
        ids: list[str] = [r.id for r in self.penalties]
        ids += [r.id for r in self.surcharges]
        ids += [r.id for r in self.inspections]
        if self.emission is not None:
            ids.append(self.emission.id)
        if self.tipoff is not None:
            ids.append(self.tipoff.id)
        if self.disclosure:
            ids += [self.disclosure.missing_id, self.disclosure.late_id]
        if self.temporary_report is not None:
            ids += [self.temporary_report.missing_id, self.temporary_report.late_id]
        ids += [r.id for r in (self.exceedance, self.data_gap) if r is not None]
        ids += [v.id for v in self.vetoes]
        if self.clean_years is not None:
            ids.append(self.clean_years.id)
        if self.pledge is not None:
            ids.append(self.pledge.id)
        return ids

    @property
    def lookback_days(self) -> int:
        """How far back a record can still matter on a given day (windows, vetoes, clean
        years), plus a month's margin: older records need not be loaded."""
        windows = [r.window for r in self.penalties] + [r.window for r in self.inspections]
        windows += [v.window for v in self.vetoes if v.window is not None]
        windows += [r.window for r in (self.tipoff, self.exceedance) if r is not None]
        if self.temporary_report is not None:
            windows.append(self.temporary_report.window)
        days = [w.months * 31 + w.days for w in windows if w.period is not None]
        if self.data_gap is not None:
            days.append((self.data_gap.months + 1) * 31)
        if self.clean_years is not None:
            days.append((self.clean_years.max + 1) * 366)
        return max([366, *days]) + 31

    @property
    def label(self) -> str:
        """``name@version``, as stored with every rating."""
        return f"{self.name}@{self.version}"

    def level_for(self, score: int) -> str:
        for level, minimum in self.levels:
            if score >= minimum:
                return level
        return self.levels[-1][0]
