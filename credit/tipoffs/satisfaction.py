"""/stats beyond counts: satisfaction, resolved, on-time acceptance and closure rates by region
and month, with a minimum sample before a rate is shown or a region ranked; and the message
board's figures by region.

A month counts the questionnaire answers given in it (their China date), the acceptance
decisions made in it (受理 or 不予受理; on time when made by ``accept_due_at``) and the
closures made in it (on time by ``due_at``; a merged report is not a closure, as in
``statistics``). Below ``min_sample`` answers (or decisions, or closures) a rate is None and
the page says 样本不足; only regions with enough answers are ranked, by satisfaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import local_date
from core.clock import today as china_today
from credit.board.config import board_rules
from credit.board.reports import FIGURES, board_stats_by_region
from credit.tipoffs.models import TipOff, TipOffEvent, TipOffFeedback
from credit.tipoffs.statistics import (
    month_bounds,
    monthly_statistics,
    parse_month,
    province_groups,
    region_groups,
)
from credit.tipoffs.vocabulary import SATISFIED

DEFAULT_MIN_SAMPLE = 10
QUALITY = (
    "answers",
    "satisfied",
    "resolved",
    "decided",
    "accepted_on_time",
    "closed",
    "closed_on_time",
)
#: each published rate: (its name, its numerator, its denominator = the sample)
RATES = (
    ("satisfaction_rate", "satisfied", "answers"),
    ("resolved_rate", "resolved", "answers"),
    ("accept_on_time_rate", "accepted_on_time", "decided"),
    ("close_on_time_rate", "closed_on_time", "closed"),
)


def min_sample() -> int:
    """The configured minimum sample (``STATS_MIN_SAMPLE``, default 10; 0 = none)."""
    value = current_app.config.get("STATS_MIN_SAMPLE") if has_app_context() else None
    return DEFAULT_MIN_SAMPLE if value is None else max(0, int(value))


def _answers(session: Session, first: dt.date, after: dt.date) -> list[Any]:
    return list(
        session.execute(
            select(TipOff.region_code, TipOffFeedback.satisfaction, TipOffFeedback.resolved)
            .join(TipOff, TipOff.id == TipOffFeedback.tipoff_id)
            .where(TipOffFeedback.answered_on >= first, TipOffFeedback.answered_on < after)
        )
    )


def _decisions(session: Session, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """(region, decided at, acceptance due) of every acceptance decision made in [start, end):
    accepted (``accepted_at``) or refused (its last ``rejected`` step, if it stayed refused)."""
    accepted = session.execute(
        select(TipOff.region_code, TipOff.accepted_at, TipOff.accept_due_at).where(
            TipOff.accepted_at >= start, TipOff.accepted_at < end
        )
    ).all()
    refused_at = (
        select(TipOffEvent.tipoff_id, func.max(TipOffEvent.at).label("at"))
        .where(TipOffEvent.kind == "rejected")
        .group_by(TipOffEvent.tipoff_id)
        .subquery()
    )
    refused = session.execute(
        select(TipOff.region_code, refused_at.c.at, TipOff.accept_due_at)
        .join(refused_at, refused_at.c.tipoff_id == TipOff.id)
        .where(
            TipOff.status == "rejected",
            TipOff.accepted_at.is_(None),
            refused_at.c.at >= start,
            refused_at.c.at < end,
        )
    ).all()
    return [*accepted, *refused]


def _closures(session: Session, start: dt.datetime, end: dt.datetime) -> list[Any]:
    return list(
        session.execute(
            select(TipOff.region_code, TipOff.closed_at, TipOff.due_at).where(
                TipOff.status == "closed",
                TipOff.duplicate_of_id.is_(None),
                TipOff.closed_at >= start,
                TipOff.closed_at < end,
            )
        )
    )


def _with_rates(counts: dict[str, int], sample: int) -> dict[str, Any]:
    row: dict[str, Any] = dict(counts)
    for name, part, whole in RATES:
        enough = counts[whole] >= sample
        row[name] = round(counts[part] / counts[whole], 4) if enough and counts[whole] else None
        row[f"{name.removesuffix('_rate')}_sample_ok"] = enough
    return row


def _rank(rows: list[dict[str, Any]]) -> None:
    """Competition ranking (1, 1, 3) by satisfaction among rows with enough answers."""
    ranked = sorted(
        (r for r in rows if r["satisfaction_rate"] is not None),
        key=lambda r: -r["satisfaction_rate"],
    )
    for r in rows:
        r["rank"] = None
    for i, r in enumerate(ranked):
        same = i and ranked[i - 1]["satisfaction_rate"] == r["satisfaction_rate"]
        r["rank"] = ranked[i - 1]["rank"] if same else i + 1


def quality_by_region(session: Session, year: int, month: int, sample: int) -> dict[str, Any]:
    """The month's rates, overall and by region (prefecture, grouped under its province)."""
    start, end = month_bounds(year, month)
    first = dt.date(year, month, 1)
    after = local_date(end)
    answers = _answers(session, first, after)
    decisions = _decisions(session, start, end)
    closures = _closures(session, start, end)
    grouping = region_groups(session, {r[0] for r in (*answers, *decisions, *closures)})
    regions: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(QUALITY, 0))
    for code, score, resolved in answers:
        bucket = regions[grouping[code][0]]
        bucket["answers"] += 1
        bucket["satisfied"] += score in SATISFIED
        bucket["resolved"] += bool(resolved)
    for code, at, due in decisions:
        bucket = regions[grouping[code][0]]
        bucket["decided"] += 1
        bucket["accepted_on_time"] += local_date(at) <= due
    for code, at, due in closures:
        bucket = regions[grouping[code][0]]
        bucket["closed"] += 1
        bucket["closed_on_time"] += local_date(at) <= due
    names = {key: name for key, name in grouping.values()}
    provinces = province_groups(session, regions)
    rows = [
        {
            "region_code": key,
            "region_name": names.get(key, key),
            "province_code": provinces[key][0],
            "province_name": provinces[key][1],
            **_with_rates(counts, sample),
        }
        for key, counts in sorted(regions.items())
    ]
    _rank(rows)
    totals = {k: sum(c[k] for c in regions.values()) for k in QUALITY}
    return {**_with_rates(totals, sample), "by_region": rows}


def board_by_region(
    session: Session, year: int, month: int, today: dt.date | None = None
) -> dict[str, Any]:
    """The message board's figures of messages received in the month, overall and by region
    (answered on time, overdue now, failures: unanswered after the configured months)."""
    per_code = board_stats_by_region(session, f"{year:04d}-{month:02d}", today=today)
    grouping = region_groups(session, per_code)
    regions: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for code, figures in per_code.items():
        bucket = regions[grouping[code][0]]
        for key, n in figures.items():
            bucket[key] += n
    names = {key: name for key, name in grouping.values()}
    provinces = province_groups(session, regions)
    rows: list[dict[str, Any]] = [
        {
            "region_code": key,
            "region_name": names.get(key, key),
            "province_code": provinces[key][0],
            "province_name": provinces[key][1],
            **counts,
        }
        for key, counts in sorted(regions.items())
    ]
    totals = {k: sum(c[k] for c in regions.values()) for k in FIGURES}
    return totals | {"failure_months": board_rules().failure_months, "by_region": rows}


def public_statistics(
    session: Session,
    month: str | None = None,
    today: dt.date | None = None,
    sample: int | None = None,
) -> dict[str, Any]:
    """Everything /stats and ``GET /api/v1/stats/tipoffs`` publish for one month: the counts
    (``monthly_statistics``), the rates by region (``quality``) and the board's figures."""
    today = today or china_today()
    year, mon = parse_month(month, today)
    sample = sample if sample is not None else min_sample()
    return {
        **monthly_statistics(session, f"{year:04d}-{mon:02d}", today),
        "min_sample": sample,
        "quality": quality_by_region(session, year, mon, sample),
        "board": board_by_region(session, year, mon, today),
    }
