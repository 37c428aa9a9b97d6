"""Escalation: a case overdue in its stage goes up to the parent grid, once per stage.

The stage deadlines: dispatch (发现 → 督办), rectification (督办/整改 → 上报) and verification
(上报 → 核查). An overdue case's handling grid becomes the parent of its current handling
grid (whose members then have it in their queue); a top-level grid's case stays where it is
and its escalation level still rises, for the region's regulators. Run by ``flask cases
escalate`` and, once an hour, by the ``case-escalation`` consumer.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import claim_watermark, get_watermark, set_watermark
from core.consumers import Consumer
from core.db import get_db, utcnow, writing
from credit.grids.models import Grid
from credit.supervision.models import SupervisionCase
from credit.supervision.timeline import add_step

NAME = "case-escalation"
#: a case status → its stage (dispatched and rectifying share the rectification deadline)
STAGE_OF = {
    "found": "dispatch",
    "dispatched": "rectify",
    "rectifying": "rectify",
    "reported": "verify",
}


def stage_due(case: SupervisionCase) -> dt.datetime | None:
    """The deadline of the case's current stage (None once verified or closed)."""
    stage = STAGE_OF.get(case.status)
    if stage == "dispatch":
        return case.dispatch_due_at
    if stage == "rectify":
        return case.rectify_due_at
    if stage == "verify":
        return case.verify_due_at
    return None


def is_overdue(case: SupervisionCase, now: dt.datetime) -> bool:
    """True if the current stage's deadline has passed."""
    due = stage_due(case)
    return due is not None and now > due


def _overdue_cases(session: Session, now: dt.datetime) -> list[SupervisionCase]:
    due = or_(
        (SupervisionCase.status == "found") & (SupervisionCase.dispatch_due_at < now),
        SupervisionCase.status.in_(("dispatched", "rectifying"))
        & (SupervisionCase.rectify_due_at < now),
        (SupervisionCase.status == "reported") & (SupervisionCase.verify_due_at < now),
    )
    return list(
        session.scalars(
            select(SupervisionCase).where(due).order_by(SupervisionCase.id).with_for_update()
        )
    )


def escalate_case(session: Session, case: SupervisionCase, now: dt.datetime) -> bool:
    """Escalate one overdue case unless its stage was escalated already."""
    stage = STAGE_OF[case.status]
    if case.escalated_stage == stage:
        return False
    handling = session.get(Grid, case.handling_grid_id) if case.handling_grid_id else None
    parent = session.get(Grid, handling.parent_id) if handling and handling.parent_id else None
    if parent is not None:
        case.handling_grid_id = parent.id
    case.escalation_level += 1
    case.escalated_stage = stage
    note = parent.code if parent is not None else None
    add_step(session, case, "escalated", None, case.status, case.status, note=note, at=now)
    audit(
        session,
        "system",
        "case.escalate",
        f"case:{case.id}",
        {"stage": stage, "level": case.escalation_level, "grid": note},
    )
    return True


def escalate_overdue(session: Session, now: dt.datetime | None = None) -> int:
    """Escalate every overdue case once per stage; returns how many moved."""
    now = now or utcnow()
    moved = sum(escalate_case(session, case, now) for case in _overdue_cases(session, now))
    session.flush()
    return moved


def _hour(now: dt.datetime) -> int:
    return int(now.timestamp() // 3600)


class EscalationConsumer(Consumer):
    """Runs escalate_overdue at most once an hour (the watermark holds the hour)."""

    name = NAME

    def pending(self, session: Session) -> int:
        """1 until this hour's run is done."""
        return int(get_watermark(session, NAME) < _hour(utcnow()))

    def run_once(self) -> int:
        now = utcnow()
        with writing():
            session = get_db().new_session()
            try:
                last = claim_watermark(session, NAME)
                if last is None or last >= _hour(now):
                    session.rollback()
                    return 0
                count = escalate_overdue(session, now)
                set_watermark(session, NAME, _hour(now))
                session.commit()
                return count
            finally:
                session.close()
