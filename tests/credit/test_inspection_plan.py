"""双随机 plans: weighted by level, reproducible by seed, saved and audited."""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import func, select

from core.audit import AuditEvent
from credit.cases.inspection_plans import Candidate, weighted_draw
from credit.cases.models import InspectionPlan, InspectionPlanItem
from credit.ratings.models import CreditRating
from tests.factories import create_enterprise


def test_same_seed_same_draw_and_no_repeats():
    cands = [Candidate(i, random.Random(i).choice(["green", "blue", "red"])) for i in range(200)]
    first = weighted_draw(cands, 30, seed=7)
    assert first == weighted_draw(cands, 30, seed=7)
    assert first != weighted_draw(cands, 30, seed=8)
    assert len({c.enterprise_id for c in first}) == 30


def test_red_is_drawn_about_eight_times_as_often_as_green():
    cands = [Candidate(i, "red" if i % 2 else "green") for i in range(200)]
    hits: Counter[str] = Counter()
    for seed in range(400):
        for c in weighted_draw(cands, 1, seed=seed):
            hits[c.level or ""] += 1
    ratio = hits["red"] / max(hits["green"], 1)
    assert 5 < ratio < 13  # expected 4 / 0.5 = 8


def test_draw_is_bounded_by_the_population():
    cands = [Candidate(i, None) for i in range(3)]
    assert len(weighted_draw(cands, 10, seed=1)) == 3


def _rate(session, ent, level):
    session.add(
        CreditRating(
            enterprise_id=ent.id,
            as_of=ent.created_at.date(),
            rulebook_version="cn-default@2026.1",
            score=90,
            level=level,
            computed_level=level,
            explanation=[],
            is_current=True,
        )
    )


def test_cli_saves_and_prints_the_plan(runner, session):
    for i in range(12):
        ent = create_enterprise(session)
        _rate(session, ent, "red" if i < 3 else "green")
    session.commit()
    args = ["credit", "inspection-plan", "--region", "620100", "--count", "5", "--seed", "42"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=args)
    assert result.output.splitlines()[1:] == again.output.splitlines()[1:]
    assert session.scalar(select(func.count()).select_from(InspectionPlan)) == 2
    assert session.scalar(select(func.count()).select_from(InspectionPlanItem)) == 10
    assert (
        session.scalar(select(func.count()).where(AuditEvent.action == "inspection_plan.create"))
        == 2
    )


def test_cli_rejects_bad_input_and_stores_nothing(runner, session):
    create_enterprise(session)
    session.commit()
    bad = runner.invoke(
        args=["credit", "inspection-plan", "--region", "999999", "--count", "5", "--seed", "1"]
    )
    assert bad.exit_code != 0 and "999999" in bad.output
    zero = runner.invoke(
        args=["credit", "inspection-plan", "--region", "620100", "--count", "0", "--seed", "1"]
    )
    assert zero.exit_code != 0 and "count" in zero.output
    assert session.scalar(select(func.count()).select_from(InspectionPlan)) == 0
