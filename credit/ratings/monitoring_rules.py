"""The automatic-monitoring rules of the engine (rulebook 2026.2): exceedance days, data gaps.

Pure functions of facts and a date, like the engine. A line cites the outlet (source type
``outlet``, id its MN) and carries a note in one fixed, language-free format that
:func:`parse_note` reads back for the enterprise page: ``2026-06-01 a21026 40 35`` (China day,
pollutant, the day's peak, the limit) or ``2026-05 446 744`` (month, valid hours, hours).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from credit.monitoring.periods import hours_in_month, month_start
from credit.ratings.facts import EnterpriseFacts, ExceedanceFact, OutletFact
from credit.ratings.rules import CountedRule, DataGapRule, Window

#: a line: (rule id, points, source type, source id, note), the engine's LineItem fields
Line = tuple[str, int, str, str, str]


class Note(NamedTuple):
    """A monitoring line's note, read back."""

    #: the China day (exceedance) or the month's first day (data gap)
    day: dt.date
    #: exceedance: pollutant, peak, limit; data gap: "", valid hours, hours
    pollutant: str
    value: str
    bound: str


def parse_note(note: str | None) -> Note | None:
    """The note of a monitoring line; None when it is not one."""
    parts = (note or "").split(" ")
    try:
        if len(parts) == 4:
            return Note(dt.date.fromisoformat(parts[0]), parts[1], parts[2], parts[3])
        if len(parts) == 3:
            return Note(dt.date.fromisoformat(parts[0] + "-01"), "", parts[1], parts[2])
    except ValueError:
        return None
    return None


def _number(value: object) -> str:
    return f"{float(str(value)):g}"


def exceedance_days(
    facts: EnterpriseFacts, window: Window, day: dt.date
) -> list[tuple[dt.date, ExceedanceFact]]:
    """(China day, the worst exceedance of that day) for each exceedance day in
    (day − window, day], oldest first: one per day however many hours, outlets or pollutants.
    The worst is the highest peak relative to its limit."""
    worst: dict[dt.date, ExceedanceFact] = {}
    for item in facts.exceedances:
        if item.day > day or window.end(item.day) <= day:
            continue
        best = worst.get(item.day)
        if best is None or item.peak * float(best.limit) > best.peak * float(item.limit):
            worst[item.day] = item
    return sorted(worst.items())


def _capped(points: int, cap: int | None, total: int) -> int:
    return points if cap is None else max(points, cap - total)


def exceedance_lines(facts: EnterpriseFacts, rule: CountedRule, day: dt.date) -> list[Line]:
    """One line per exceedance day in the window, the deduction capped."""
    outlets = {o.id: o for o in facts.outlets}
    lines, total = [], 0
    for when, item in exceedance_days(facts, rule.window, day):
        points = _capped(rule.points, rule.cap, total)
        total += points
        outlet = outlets.get(item.outlet_id)
        note = f"{when.isoformat()} {item.pollutant} {_number(item.peak)} {_number(item.limit)}"
        lines.append((rule.id, points, "outlet", outlet.mn if outlet else "", note))
    return lines


def _gap_months(outlet: OutletFact, rule: DataGapRule, day: dt.date) -> list[dt.date]:
    first = month_start(day, -rule.months)
    months = [month_start(first, i) for i in range(rule.months)]
    return [m for m in months if m >= outlet.commissioned_on]


def data_gap_lines(facts: EnterpriseFacts, rule: DataGapRule, day: dt.date) -> list[Line]:
    """One line per outlet-month with too few valid hours, oldest month first, capped."""
    valid = {(m.outlet_id, m.month): m.valid_hours for m in facts.outlet_months}
    gaps = []
    for outlet in facts.outlets:
        for month in _gap_months(outlet, rule, day):
            hours, count = hours_in_month(month), valid.get((outlet.id, month), 0)
            if count < rule.min_share * hours:
                gaps.append((month, outlet.code, outlet.mn, count, hours))
    lines, total = [], 0
    for month, _code, mn, count, hours in sorted(gaps):
        points = _capped(rule.points, rule.cap, total)
        total += points
        lines.append((rule.id, points, "outlet", mn, f"{month:%Y-%m} {count} {hours}"))
    return lines
