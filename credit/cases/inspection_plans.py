"""双随机 inspection draws weighted by credit level, reproducible from a seed."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Invalid, NotFound
from core.messages import msg
from core.reference import Region, region_prefix
from credit.cases.models import InspectionPlan, InspectionPlanItem
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise

#: black and red ×4, yellow ×2, blue ×1, green ×0.5; an enterprise not yet rated counts as blue
LEVEL_WEIGHTS: dict[str, float] = {
    "black": 4.0,
    "red": 4.0,
    "yellow": 2.0,
    "blue": 1.0,
    "green": 0.5,
}
UNRATED_WEIGHT = 1.0
MAX_COUNT = 10_000


@dataclass(frozen=True, slots=True)
class Candidate:
    enterprise_id: int
    level: str | None


def weighted_draw(
    candidates: list[Candidate], count: int, seed: int, weights: dict[str, float] = LEVEL_WEIGHTS
) -> list[Candidate]:
    """Draw ``count`` without replacement, P ∝ weight (Efraimidis–Spirakis keys).

    ``candidates`` must be in a stable order (by enterprise id) for the same seed to give
    the same draw.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible by design, not a secret
    keyed = []
    for cand in candidates:
        weight = weights.get(cand.level, UNRATED_WEIGHT) if cand.level else UNRATED_WEIGHT
        u = rng.random() or 1e-300
        keyed.append((math.log(u) / weight, cand.enterprise_id, cand))
    keyed.sort(key=lambda k: (-k[0], k[1]))
    return [cand for _, _, cand in keyed[:count]]


def _candidates(session: Session, region_code: str) -> list[Candidate]:
    prefix = region_prefix(region_code)
    rows = session.execute(
        select(Enterprise.id, CreditRating.level)
        .outerjoin(
            CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current
        )
        .where(Enterprise.region_code.startswith(prefix), Enterprise.status == "operating")
        .order_by(Enterprise.id)
    )
    return [Candidate(eid, level) for eid, level in rows]


def create_inspection_plan(
    session: Session, region_code: str, count: int, seed: int, actor: str
) -> InspectionPlan:
    """Draw and save a plan for operating enterprises in ``region_code``."""
    if session.get(Region, region_code) is None:
        raise NotFound(msg("未知的行政区划代码 %(code)s", code=region_code))
    if not 1 <= count <= MAX_COUNT:
        raise Invalid(
            msg("抽取数量须在 1–%(n)s 之间", n=MAX_COUNT),
            {"count": [msg("超出范围")]},
        )
    if not 0 <= seed < 2**31:
        raise Invalid(msg("随机种子须在 0–2147483647 之间"), {"seed": [msg("超出范围")]})
    drawn = weighted_draw(_candidates(session, region_code), count, seed)
    plan = InspectionPlan(
        region_code=region_code,
        count=count,
        seed=seed,
        weights=dict(LEVEL_WEIGHTS),
        created_by=actor,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        InspectionPlanItem(
            plan_id=plan.id, position=i + 1, enterprise_id=c.enterprise_id, level=c.level
        )
        for i, c in enumerate(drawn)
    )
    audit(
        session,
        actor,
        "inspection_plan.create",
        f"inspection_plan:{plan.id}",
        {"region": region_code, "count": count, "seed": seed, "drawn": len(drawn)},
    )
    session.flush()
    return plan


def find_plan(session: Session, plan_id: int) -> InspectionPlan | None:
    """One saved plan, or None."""
    return session.get(InspectionPlan, plan_id)


def plan_rows(session: Session, plan_id: int) -> list[tuple[int, str, str, str | None]]:
    """(position, uscc, name, level at draw time) for one plan."""
    return [
        (position, uscc, name, level)
        for position, uscc, name, level in session.execute(
            select(
                InspectionPlanItem.position,
                Enterprise.uscc,
                Enterprise.name,
                InspectionPlanItem.level,
            )
            .join(Enterprise, Enterprise.id == InspectionPlanItem.enterprise_id)
            .where(InspectionPlanItem.plan_id == plan_id)
            .order_by(InspectionPlanItem.position)
        )
    ]


def list_plans(session: Session, prefix: str = "", limit: int = 50) -> list[InspectionPlan]:
    """Newest plans first, optionally within a region prefix."""
    stmt = select(InspectionPlan).order_by(InspectionPlan.id.desc()).limit(limit)
    if prefix:
        stmt = stmt.where(InspectionPlan.region_code.startswith(prefix))
    return list(session.scalars(stmt))


def plan_sizes(session: Session, plan_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(InspectionPlanItem.plan_id, func.count())
        .where(InspectionPlanItem.plan_id.in_(plan_ids))
        .group_by(InspectionPlanItem.plan_id)
    )
    return {pid: n for pid, n in rows}
