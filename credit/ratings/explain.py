"""Why an enterprise has its rating, in words a person uses.

A stored rating cites rules by id and records by type and id (``penalty.grave``, penalty
#346). This module turns that into what the enterprise page says: each reason with the
rule's title from the rulebook, the record's own name and date (the decision number, not
``#346``), the day it stops counting, a one-sentence summary and an open statement of a veto.
Texts are :class:`~credit.ratings.describe.Text` pairs; the page picks its language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.cases.models import RatingAdjustment
from credit.monitoring.models import Outlet
from credit.ratings.describe import Text, band_range, describe, rule_labels, signed
from credit.ratings.levels import LEVEL_MEASURES, LEVEL_NAMES, LEVEL_NAMES_EN
from credit.ratings.loader import load_rulebook
from credit.ratings.models import CreditRating
from credit.ratings.monitoring_rules import parse_note
from credit.ratings.rules import Rulebook, RulebookError, Window
from credit.records.models import Inspection, Penalty
from credit.tipoffs.models import TipOff


@dataclass(frozen=True, slots=True)
class Cited:
    """The record a reason comes from, named as people know it."""

    entity: str
    id: int | str
    #: e.g. 兰环罚〔2023〕346号; a date for records without a number
    name: str
    date: dt.date | None
    #: an outlet's readings of the cited day or month: /monitoring/outlets/<mn>?date=…
    readings: tuple[str, dt.date] | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    label: Text
    #: 0 for vetoes and adjustments
    points: int
    #: the level a veto sets (None: not a veto)
    veto_level: str | None
    record: Cited | None
    #: the last day the record counts (None: no end, or not known)
    counts_until: dt.date | None
    #: the deduction reached the rule's cap
    capped: bool = False
    #: an adjustment's reason (public), an emission's pollutant, a disclosure year
    detail: Text | str | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    level: str
    computed_level: str
    score: int
    #: the score band of the computed level, e.g. 60–79
    band: Text
    reasons: tuple[Reason, ...]
    #: one sentence: level, band and the reasons with their points
    summary: Text
    #: "一票否决：无证排污，等级直接评为环保不良企业"; None without a veto
    veto: Text | None
    #: the regulator adjusted the published level
    adjusted: bool
    rulebook: str
    #: the rulebook's (min, max) score
    scale: tuple[int, int]
    #: what the published level means for the enterprise
    measures: Text


def _name(level: str) -> Text:
    return Text(LEVEL_NAMES[level], LEVEL_NAMES_EN[level])


def _book(label: str) -> Rulebook | None:
    try:
        return load_rulebook(label.split("@", 1)[0])
    except RulebookError:  # a rating made under a rulebook no longer shipped
        return None


def _windows(book: Rulebook | None) -> dict[str, Window]:
    if book is None:
        return {}
    rules: list[Any] = [*book.penalties, *book.inspections, *book.vetoes]
    if book.tipoff is not None:
        rules.append(book.tipoff)
    return {r.id: r.window for r in rules if getattr(r, "window", None) is not None}


def _records(session: Session, items: Iterable[dict[str, Any]]) -> dict[tuple[str, Any], Any]:
    """The cited penalties, inspections, tip-offs and adjustments, by (type, id)."""
    wanted: dict[str, set[int]] = {}
    for item in items:
        source = item.get("source") or {}
        if source.get("type") and isinstance(source.get("id"), int):
            wanted.setdefault(source["type"], set()).add(source["id"])
    found: dict[tuple[str, Any], Any] = {}
    models: tuple[tuple[str, Any], ...] = (
        ("penalty", Penalty),
        ("inspection", Inspection),
        ("tipoff", TipOff),
        ("adjustment", RatingAdjustment),
    )
    for entity, model in models:
        ids = wanted.get(entity)
        if ids:
            for row in session.scalars(select(model).where(model.id.in_(ids))):
                found[(entity, row.id)] = row
    mns = {
        (item.get("source") or {}).get("id")
        for item in items
        if (item.get("source") or {}).get("type") == "outlet"
    }
    if mns:
        for outlet in session.scalars(select(Outlet).where(Outlet.mn.in_(mns))):
            found[("outlet", outlet.mn)] = outlet
    return found


def _cited(entity: str, row: Any, note: str | None = None) -> Cited:
    if entity == "outlet":  # a monitoring line: the outlet and the day (or month) it cites
        cited = parse_note(note)
        day = cited.day if cited else None
        return Cited(
            entity, row.mn, f"{row.outlet_code}（MN {row.mn}）", day, (row.mn, day) if day else None
        )
    if entity == "penalty":
        return Cited(entity, row.id, row.decision_no, row.decision_date)
    if entity == "inspection":
        return Cited(entity, row.id, "", row.date)
    if entity == "tipoff":  # the reporter and the tracking code stay private
        closed = row.closed_at.date() if row.closed_at else None
        return Cited(entity, row.id, "", closed)
    return Cited(entity, row.id, "", getattr(row, "approved_at", None))


def _until(rule: str, row: Any, entity: str, windows: dict[str, Window]) -> dt.date | None:
    window = windows.get(rule)
    if window is None or row is None:
        return None
    if entity == "penalty":
        return window.end(row.decision_date, row.publish_until) - dt.timedelta(days=1)
    if entity == "inspection":
        return window.end(row.date) - dt.timedelta(days=1)
    if entity == "tipoff" and row.closed_at is not None:
        return window.end(row.closed_at.date()) - dt.timedelta(days=1)
    return None


def _points(band: Text) -> Text:
    return Text(f"{band.zh} 分", f"{band.en} points")


def _summary(level: str, band: Text, reasons: list[Reason]) -> Text:
    scored = [r for r in reasons if r.points]
    head = _name(level)
    if not scored:
        return Text(f"{head.zh}（{band.zh}）：无扣分记录", f"{head.en} ({band.en}): no deductions")
    groups: dict[str, tuple[Text, int, int]] = {}
    for reason in scored:
        label, count, points = groups.get(reason.rule, (reason.label, 0, 0))
        groups[reason.rule] = (label, count + 1, points + reason.points)
    zh = "、".join(
        f"{n} 项{label.zh}（{signed(points)}）" if n > 1 else f"{label.zh}（{signed(points)}）"
        for label, n, points in groups.values()
    )
    en = "; ".join(
        f"{label.en} ×{n} ({signed(points)})" if n > 1 else f"{label.en} ({signed(points)})"
        for label, n, points in groups.values()
    )
    return Text(f"{head.zh}（{band.zh}）：{zh}", f"{head.en} ({band.en}): {en}")


def _reason(
    item: dict[str, Any],
    rows: dict[tuple[str, Any], Any],
    labels: dict[str, Text],
    windows: dict[str, Window],
    vetoes: dict[str, str],
    penalty_rule: dict[Any, str],
    full: dict[str, int],
) -> Reason:
    """One stored line item in words (``full``: monitoring rules' uncapped points)."""
    source = item.get("source") or {}
    entity, ident = source.get("type"), source.get("id")
    row = rows.get((entity, ident)) if entity else None
    rule = item["rule"]
    if rule == "adjustment":
        label = Text("监管部门调整等级", "Level adjusted by the regulator")
    else:
        label = labels.get(rule, Text(rule, rule))
    counting_rule = penalty_rule.get(ident, rule) if entity == "penalty" else rule
    note = item.get("note")
    if entity == "outlet":
        return _monitoring_reason(item, row, label, full.get(rule))
    return Reason(
        rule=rule,
        label=label,
        points=int(item.get("points") or 0),
        veto_level=vetoes.get(rule),
        record=_cited(entity, row) if row is not None and entity else None,
        counts_until=_until(counting_rule, row, entity or "", windows),
        capped=note == "capped",
        detail=_note(note) if note not in (None, "capped") and rule not in vetoes else None,
    )


def _monitoring_reason(item: dict[str, Any], row: Any, label: Text, full: int | None) -> Reason:
    """An exceedance day or a data gap: the outlet, the day or month, the peak or the hours."""
    note = item.get("note")
    points = int(item.get("points") or 0)
    cited = parse_note(note)
    detail: Text | None = None
    if cited is not None and cited.pollutant:
        detail = Text(
            f"{cited.pollutant} 日最高小时均值 {cited.value}，限值 {cited.bound}",
            f"{cited.pollutant}: highest hourly mean {cited.value}, limit {cited.bound}",
        )
    elif cited is not None:
        detail = Text(
            f"{cited.day:%Y-%m} 有效小时 {cited.value}/{cited.bound}",
            f"{cited.day:%Y-%m}: valid hours {cited.value} of {cited.bound}",
        )
    return Reason(
        rule=item["rule"],
        label=label,
        points=points,
        veto_level=None,
        record=_cited("outlet", row, note) if row is not None else None,
        counts_until=None,
        capped=full is not None and points != full,
        detail=detail,
    )


def _note(note: str) -> Text | str:
    """A stored note: data (a pollutant, a year, an adjustment's reason) as it is; the
    engine's bilingual notes ("2025 年度报告未按期披露 / no 2025 report …") apart."""
    zh, sep, en = note.partition(" / ")
    return Text(zh, en) if sep else note


def explain(session: Session, rating: CreditRating) -> Explanation:
    """The stored rating in words, with the records it cites."""
    book = _book(rating.rulebook_version)
    labels = rule_labels(book) if book is not None else {}
    windows = _windows(book)
    items = list(rating.explanation or [])
    rows = _records(session, items)
    vetoes = {v.id: v.level for v in book.vetoes} if book is not None else {}
    # a surcharge counts as long as its penalty's rule
    penalty_rule = {
        (item.get("source") or {}).get("id"): item["rule"]
        for item in items
        if item["rule"] in {r.id for r in (book.penalties if book else ())}
    }
    full = {r.id: r.points for r in (book.exceedance, book.data_gap) if r} if book else {}
    reasons = [_reason(item, rows, labels, windows, vetoes, penalty_rule, full) for item in items]
    bands = {b.level: _points(band_range(b)) for b in describe(book).levels} if book else {}
    veto_reasons = [r for r in reasons if r.veto_level]
    band = (
        Text("一票否决", "veto")
        if veto_reasons
        else bands.get(rating.computed_level, Text("—", "—"))
    )
    veto = None
    if veto_reasons:
        worst = rating.computed_level
        zh = "、".join(dict.fromkeys(r.label.zh for r in veto_reasons))
        en = "; ".join(dict.fromkeys(r.label.en for r in veto_reasons))
        veto = Text(
            f"一票否决：{zh}，等级直接评为{_name(worst).zh}",
            f"Veto: {en} — the level is set to {_name(worst).en}",
        )
    return Explanation(
        level=rating.level,
        computed_level=rating.computed_level,
        score=rating.score,
        band=band,
        reasons=tuple(reasons),
        summary=_summary(rating.computed_level, band, reasons),
        veto=veto,
        adjusted=rating.level != rating.computed_level,
        rulebook=rating.rulebook_version,
        scale=(book.min, book.max) if book is not None else (0, 100),
        measures=Text(*LEVEL_MEASURES[rating.level]),
    )
