"""bench/rescore: full rescore vs reading the same input rows, in the same run (target ≤ 2×)."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import func, select

from bench.common import demo_app, timed
from bench.report import Figure
from core.db import get_db, writing
from credit.cases.models import RatingAdjustment
from credit.ratings.facts_loader import Horizon, load_facts
from credit.ratings.loader import load_rulebook
from credit.ratings.rescoring import rescore
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
    PermitLimit,
)
from credit.tipoffs.models import TipOff

TABLES = (
    Enterprise,
    Penalty,
    Permit,
    PermitLimit,
    Inspection,
    EmissionAccount,
    DisclosureReport,
    TipOff,
    RatingAdjustment,
)


def _read_rows(session, horizon: Horizon) -> int:
    """The baseline: fetch the rescore's input rows (all columns, the same horizon filters)."""
    from sqlalchemy import or_

    from credit.ratings.facts_loader import _horizon_filters

    more = _horizon_filters(horizon)
    extra = {
        Penalty: [
            or_(Penalty.decision_date >= horizon.since, Penalty.publish_until > horizon.as_of)
        ],
        Inspection: more["inspections"],
        EmissionAccount: more["emissions"],
        DisclosureReport: more["disclosures"],
        TipOff: more["tipoffs"],
        RatingAdjustment: more["adjustments"],
    }
    total = 0
    for model in TABLES:
        for _row in session.execute(select(*model.__table__.columns).where(*extra.get(model, []))):
            total += 1
    return total


def run(scale: float) -> tuple[list[Figure], list[str]]:
    n = max(1000, int(100_000 * scale))
    book = load_rulebook("cn-default")
    day = dt.date(2026, 11, 1)
    with demo_app(n):
        db = get_db()
        session = db.new_session()
        rows = sum(session.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES)
        horizon = Horizon.for_rulebook(day, book.lookback_days)
        read = timed(lambda: _read_rows(session, horizon), repeat=2)
        facts = timed(lambda: sum(1 for _ in load_facts(session, None, horizon=horizon)), repeat=2)

        jobs = min(4, os.cpu_count() or 1)  # as `flask credit rescore --all` does

        def full(processes: int = jobs) -> None:
            with writing():
                s = db.new_session()
                rescore(s, None, day, book, jobs=processes)
                s.commit()
                s.close()

        first = timed(full)
        again = timed(full, repeat=2)  # nothing changed: computes everything, writes nothing
        single = timed(lambda: full(1), repeat=2)
        session.close()
    notes = [
        f"{n} enterprises, {rows} rows in the tables; the rescore and its baseline read "
        f"only the rows that can matter on {day} (the rulebook's look-back); first "
        f"rescore writes {n} ratings; rescores use {jobs} processes (the CLI's default on "
        f"this machine: forked processes rate slices, one transaction writes), the "
        f"baseline reads in one"
    ]
    return [
        Figure(
            "rescore",
            f"full rescore, {jobs} processes (writes every rating)",
            first,
            "s",
            "read input rows",
            read,
            first / read,
            "≤ 2×",
            first / read <= 2.0,
            {"rows": rows},
        ),
        Figure(
            "rescore",
            f"full rescore, {jobs} processes, no changes",
            again,
            "s",
            "read input rows",
            read,
            again / read,
            "≤ 2×",
            again / read <= 2.0,
        ),
        Figure(
            "rescore",
            "full rescore, 1 process, no changes",
            single,
            "s",
            "read input rows",
            read,
            single / read,
        ),
        Figure("rescore", "load facts only", facts, "s", "read input rows", read, facts / read),
    ], notes
