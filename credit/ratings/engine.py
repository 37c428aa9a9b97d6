"""The scoring engine: a pure function of facts, a rulebook and a date (no database, no clock)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from core.workdays import add_workdays
from credit.ratings.facts import EnterpriseFacts, PenaltyFact, PermitFact
from credit.ratings.monitoring_rules import data_gap_lines, exceedance_days, exceedance_lines
from credit.ratings.rules import CountedRule, DisclosureRule, Rulebook, TemporaryReportRule, Veto
from credit.records.permits import in_force

#: black outranks red outranks the rest when vetoes fire
VETO_RANK = {"black": 2, "red": 1}


class LineItem(NamedTuple):
    """One reason in the explanation: the rule, its points and the record it came from.

    A NamedTuple (not a dataclass): rating 100,000 enterprises builds a million of these.
    """

    rule: str
    points: int
    source_type: str | None = None
    source_id: int | str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    score: int
    #: the published level: the computed one, or an approved adjustment's
    level: str
    computed_level: str
    explanation: tuple[LineItem, ...]
    rulebook_version: str
    as_of: dt.date
    adjustment_id: int | None = None
    #: the published level is a veto's (一票否决): a veto fired and set a worse level than the
    #: score's, and no adjustment replaced it
    vetoed: bool = False


def _penalty_counts(p: PenaltyFact, end: dt.date, day: dt.date) -> bool:
    if p.revoked_at is not None and p.revoked_at <= day:
        return False
    if p.repaired_at is not None and p.repaired_at <= day:
        return False
    return p.decision_date <= day < end


def counting_penalties(
    facts: EnterpriseFacts, book: Rulebook, day: dt.date
) -> list[tuple[PenaltyFact, Any]]:
    """(penalty, the rule it falls under) for every penalty that counts on ``day``."""
    out = []
    for p in facts.penalties:
        for rule in book.penalties:
            if rule.severity is not None and p.severity not in rule.severity:
                continue
            if rule.criminal_transfer is not None and p.criminal_transfer != rule.criminal_transfer:
                continue
            if _penalty_counts(p, rule.window.end(p.decision_date, p.publish_until), day):
                out.append((p, rule))
            break
    return out


def _in_window(when: dt.date, rule_window: Any, day: dt.date) -> bool:
    """``when`` in (day − window, day]."""
    return when <= day and rule_window.end(when) > day


def _counted(
    items: list[tuple[int, dt.date]], rule: CountedRule, kind: str, day: dt.date
) -> list[LineItem]:
    lines, total = [], 0
    for ident, when in sorted(items, key=lambda x: (x[1], x[0])):
        if not _in_window(when, rule.window, day):
            continue
        points = rule.points
        if rule.cap is not None:
            points = max(points, rule.cap - total)
        total += points
        lines.append(
            LineItem(rule.id, points, kind, ident, None if points == rule.points else "capped")
        )
    return lines


def _deductions(
    facts: EnterpriseFacts,
    book: Rulebook,
    day: dt.date,
    counting: list[tuple[PenaltyFact, Any]],
    over: list[Any],
) -> list[LineItem]:
    lines: list[LineItem] = []
    for p, rule in counting:
        lines.append(LineItem(rule.id, rule.points, "penalty", p.id))
        for s in book.surcharges:
            if p.fine_fen >= s.fine_min_fen and (
                s.fine_max_fen is None or p.fine_fen < s.fine_max_fen
            ):
                lines.append(LineItem(s.id, s.points, "penalty", p.id))
    for rule in book.inspections:
        lines += _counted(
            [
                (i.id, i.date)
                for i in facts.inspections
                if i.outcome == rule.outcome and not _withdrawn(i, day)
            ],
            rule,
            "inspection",
            day,
        )
    if book.tipoff:
        lines += _counted(
            [(t.id, t.closed_at) for t in facts.tipoffs if t.substantiated],
            book.tipoff,
            "tipoff",
            day,
        )
    lines += _emission_lines(over, book)
    lines += _disclosure_lines(facts, book, day)
    if book.exceedance is not None and facts.exceedances:
        lines += map(LineItem._make, exceedance_lines(facts, book.exceedance, day))
    if book.data_gap is not None and facts.outlets:
        lines += map(LineItem._make, data_gap_lines(facts, book.data_gap, day))
    lines += _clean_year_lines(facts, book, day)
    lines += _pledge_lines(facts, book, day)
    lines += _temporary_lines(facts, book, day)
    return lines


def _withdrawn(item: Any, day: dt.date) -> bool:
    return item.withdrawn_at is not None and item.withdrawn_at <= day


def permitted(permits: tuple[PermitFact, ...], year: int) -> dict[str, Decimal]:
    """Permitted annual amount per pollutant for ``year`` (the largest in force that year)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    out: dict[str, Decimal] = {}
    for p in permits:
        if p.valid_from > last or p.valid_until < first:
            continue
        if p.revoked_at is not None and p.revoked_at <= first:
            continue
        for pollutant, amount in p.limits:
            out[pollutant] = max(out.get(pollutant, amount), amount)
    return out


def over_limit(facts: EnterpriseFacts, day: dt.date) -> list[tuple[int, str, Decimal]]:
    """(emission id, pollutant, ratio over the limit) for year day.year − 1, ordered by
    pollutant then id."""
    year = day.year - 1
    emissions = [e for e in facts.emissions if e.year == year]
    if not emissions:
        return []
    limits = permitted(facts.permits, year)
    out = [
        (e.id, e.pollutant, e.emitted_tonnes / limit - 1)
        for e in emissions
        if (limit := limits.get(e.pollutant)) is not None and 0 < limit < e.emitted_tonnes
    ]
    out.sort(key=lambda item: (item[1], item[0]))
    return out


def _emission_lines(over: list[tuple[int, str, Decimal]], book: Rulebook) -> list[LineItem]:
    rule = book.emission
    if rule is None:
        return []
    lines, total = [], 0
    for ident, pollutant, _ratio in over:
        points = rule.points if rule.cap is None else max(rule.points, rule.cap - total)
        total += points
        lines.append(LineItem(rule.id, points, "emission", ident, pollutant))
    return lines


def disclosure_due(rule: DisclosureRule | None, year: int) -> dt.date:
    """The due date of ``year``'s annual disclosure report: the rulebook's, else 15 March of
    the next year (办法 Art. 12)."""
    month, day = (rule.due_month, rule.due_day) if rule is not None else (3, 15)
    return dt.date(year + 1, month, day)


def report_status(due: dt.date, submitted_at: dt.date | None, day: dt.date) -> str:
    """One obligation's status on ``day``: ``on_time`` | ``late`` | ``missing`` |
    ``not_yet_due`` (no report yet and ``day`` is before the due date). A report dated after
    ``day`` does not count yet."""
    if submitted_at is not None and submitted_at <= day:
        return "on_time" if submitted_at <= due else "late"
    return "not_yet_due" if day < due else "missing"


def _disclosure_lines(facts: EnterpriseFacts, book: Rulebook, day: dt.date) -> list[LineItem]:
    rule = book.disclosure
    if rule is None:
        return []
    year = day.year - 1
    if day < dt.date(day.year, rule.due_month, rule.due_day):
        year -= 1
    if facts.obliged_years:  # the obliged list decides, not the permit category
        if year not in facts.obliged_years:
            return []
    elif facts.permit_category not in rule.categories:
        return []
    due = disclosure_due(rule, year)
    report = next((d for d in facts.disclosures if d.year == year and d.submitted_at <= day), None)
    status = report_status(due, report.submitted_at if report else None, day)
    if report is None or status == "missing":
        return [
            LineItem(
                rule.missing_id,
                rule.missing_points,
                None,
                None,
                f"{year} 年度报告未按期披露 / no {year} report (due {due})",
            )
        ]
    if status == "late":
        return [
            LineItem(
                rule.late_id,
                rule.late_points,
                "disclosure",
                report.id,
                f"{report.submitted_at} > {due}",
            )
        ]
    return []


def temporary_obliged(obliged_years: Iterable[int], event_day: dt.date) -> bool:
    """Whether an event on ``event_day`` opens a temporary-report obligation: the enterprise
    is on the obliged list for the event's year or the year before."""
    years = set(obliged_years)
    return event_day.year in years or event_day.year - 1 in years


def temporary_due(rule: TemporaryReportRule, event_day: dt.date) -> dt.date:
    """The temporary report's due date: ``rule.workdays`` working days after the event
    (Chinese public holidays and make-up working days respected, core.workdays)."""
    return _workdays_after(event_day, rule.workdays)


@lru_cache(maxsize=8192)
def _workdays_after(day: dt.date, workdays: int) -> dt.date:
    return add_workdays(day, workdays)


def temporary_status(due: dt.date, filed_on: dt.date | None, day: dt.date) -> str:
    """A temporary report's status on ``day`` (``report_status``'s names), where the due day
    itself is still open: a report filed that day is on time."""
    if (filed_on is None or filed_on > day) and day <= due:
        return "not_yet_due"
    return report_status(due, filed_on, day)


def _temporary_lines(facts: EnterpriseFacts, book: Rulebook, day: dt.date) -> list[LineItem]:
    """Missing or late temporary reports of penalties of an obliged enterprise, counted from
    the due date for the rule's window while the penalty is published, capped."""
    rule = book.temporary_report
    if rule is None or not facts.obliged_years or "penalty" not in rule.events:
        return []
    filed = {r.penalty_id: r.filed_on for r in facts.temporary_reports}
    lines: list[LineItem] = []
    total = 0
    for p in sorted(facts.penalties, key=lambda p: (p.decision_date, p.id)):
        if any(when is not None and when <= day for when in (p.revoked_at, p.repaired_at)):
            continue  # no longer published
        if not temporary_obliged(facts.obliged_years, p.decision_date):
            continue
        due = temporary_due(rule, p.decision_date)
        if not due < day < min(rule.window.end(due), p.publish_until):
            continue
        filed_on = filed.get(p.id)
        status = temporary_status(due, filed_on, day)
        if status == "missing":
            ident, points = rule.missing_id, rule.missing_points
            note = (
                f"临时报告应于 {due} 前披露（处罚决定日 {p.decision_date} 起 {rule.workdays} 个"
                f"工作日），未披露 / temporary report due {due} ({rule.workdays} working days "
                f"after the decision of {p.decision_date}) not filed"
            )
        elif status == "late":
            ident, points = rule.late_id, rule.late_points
            note = (
                f"临时报告 {filed_on} 披露，晚于截止日 {due}（处罚决定日 {p.decision_date}）"
                f" / temporary report filed {filed_on}, after its due date {due} "
                f"(decision of {p.decision_date})"
            )
        else:
            continue
        if rule.cap is not None:
            points = max(points, rule.cap - total)
        total += points
        lines.append(LineItem(ident, points, "penalty", p.id, note))
    return lines


def _clean_year_lines(facts: EnterpriseFacts, book: Rulebook, day: dt.date) -> list[LineItem]:
    rule = book.clean_years
    if rule is None:
        return []
    lines = []
    for year in range(day.year - 1, day.year - 1 - rule.max, -1):
        if not any(
            p.decision_date.year == year and not (p.revoked_at and p.revoked_at <= day)
            for p in facts.penalties
        ):
            lines.append(LineItem(rule.id, rule.points, None, None, str(year)))
    return lines


def _pledge_lines(facts: EnterpriseFacts, book: Rulebook, day: dt.date) -> list[LineItem]:
    """The pledge bonus: a pledge for D's year signed on or before D."""
    rule = book.pledge
    if rule is None:
        return []
    signed = [p for p in facts.pledges if p.year == day.year and p.signed_on <= day]
    if not signed:
        return []
    return [LineItem(rule.id, rule.points, None, None, f"{signed[0].signed_on}")]


def _veto_lines(
    facts: EnterpriseFacts,
    book: Rulebook,
    day: dt.date,
    counting: list[tuple[PenaltyFact, Any]],
    over: list[Any],
) -> list[tuple[Veto, LineItem]]:
    fired: list[tuple[Veto, LineItem]] = []
    relevant = {
        "penalty": bool(counting),
        "inspection": bool(facts.inspections),
        "emission": bool(over),
        "no_permit": facts.permit_category is not None,
        "exceedance": bool(facts.exceedances),
    }
    for veto in book.vetoes:
        if not relevant.get(veto.when, True):
            continue
        for kind, ident, note in _veto_sources(veto, facts, day, counting, over):
            fired.append((veto, LineItem(veto.id, 0, kind, ident, note or veto.level)))
    return fired


def _veto_sources(
    veto: Veto,
    facts: EnterpriseFacts,
    day: dt.date,
    counting: list[tuple[PenaltyFact, Any]],
    over: list[Any],
) -> list[tuple[str | None, Any, str]]:
    if veto.when == "penalty":
        return [
            ("penalty", p.id, "")
            for p, _ in counting
            if (veto.criminal_transfer is None or p.criminal_transfer == veto.criminal_transfer)
            and (not veto.kinds or veto.kinds & set(p.kinds))
        ]
    if veto.when == "inspection":
        return [
            ("inspection", i.id, "")
            for i in facts.inspections
            if i.outcome == veto.outcome
            and not _withdrawn(i, day)
            and veto.window is not None
            and _in_window(i.date, veto.window, day)
        ]
    if veto.when == "emission":
        ratio = Decimal(str(veto.over_ratio or 0))
        return [
            ("emission", ident, f"{pollutant} +{excess:.0%}")
            for ident, pollutant, excess in over
            if excess > ratio
        ]
    if veto.when == "exceedance" and veto.window is not None:
        days = len(exceedance_days(facts, veto.window, day))
        return [(None, None, "")] if days >= (veto.min_days or 1) else []
    if veto.when == "no_permit" and facts.permit_category in veto.categories:
        for permit in facts.permits:
            if in_force(permit, day):
                return []
        latest = max(facts.permits, key=lambda p: (p.valid_until, p.id), default=None)
        return [("permit" if latest else None, latest.id if latest else None, "无证排污")]
    return []


def _adjustment(facts: EnterpriseFacts, day: dt.date) -> Any:
    live = [a for a in facts.adjustments if a.approved_at <= day < a.expires_at]
    return max(live, key=lambda a: (a.approved_at, a.id), default=None)


def rate(facts: EnterpriseFacts, book: Rulebook, as_of: dt.date) -> Rating:
    """Score, level and explanation of one enterprise on ``as_of`` under ``book``."""
    counting = counting_penalties(facts, book, as_of)
    over = over_limit(facts, as_of) if facts.emissions else []
    lines = _deductions(facts, book, as_of, counting, over)
    score = max(book.min, min(book.max, book.start + sum(li.points for li in lines)))
    level = book.level_for(score)
    vetoes = _veto_lines(facts, book, as_of, counting, over)
    vetoed = False
    if vetoes:
        worst = max(vetoes, key=lambda v: VETO_RANK.get(v[0].level, 0))[0].level
        if VETO_RANK.get(worst, 0) > VETO_RANK.get(level, 0):
            level, vetoed = worst, True
        lines += [line for _, line in vetoes]
    published, adjustment_id = level, None
    adjustment = _adjustment(facts, as_of)
    if adjustment is not None:
        published, adjustment_id, vetoed = adjustment.to_level, adjustment.id, False
        lines.append(LineItem("adjustment", 0, "adjustment", adjustment.id, adjustment.reason))
    return Rating(score, published, level, tuple(lines), book.label, as_of, adjustment_id, vetoed)


def explanation_digest(lines: Iterable[Sequence[Any]]) -> str:
    """A short fingerprint of an explanation, equal for equal explanations: the line items as
    (rule, points, source type, source id, note) tuples. ``lines`` are LineItems or the
    tuples ``json_lines`` makes of a stored explanation."""
    text = repr(tuple(map(tuple, lines)))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def json_lines(explanation: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A stored (JSON) explanation as LineItem-shaped tuples, for ``explanation_digest``."""
    return [
        (
            d["rule"],
            d["points"],
            (d.get("source") or {}).get("type"),
            (d.get("source") or {}).get("id"),
            d.get("note"),
        )
        for d in explanation
    ]


def rating_to_json(rating: Rating) -> list[dict[str, Any]]:
    """The explanation as stored and served: [{rule, points, source: {type, id}, note}]."""
    return [
        {
            "rule": li.rule,
            "points": li.points,
            "source": ({"type": li.source_type, "id": li.source_id} if li.source_type else None),
            "note": li.note,
        }
        for li in rating.explanation
    ]
