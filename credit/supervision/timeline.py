"""The case timeline: one function appends a step (who, when, from → to, a note)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.db import utcnow
from core.users import User
from credit.supervision.models import CaseEvent, SupervisionCase


def actor(user: User | None) -> str:
    """The audit and timeline actor: ``user:<id>``, or ``system`` for background work."""
    return f"user:{user.id}" if user is not None else "system"


def add_step(
    session: Session,
    case: SupervisionCase,
    kind: str,
    user: User | None,
    from_status: str | None,
    to_status: str | None,
    *,
    note: str | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Append one step to the case's timeline."""
    event = CaseEvent(
        case_id=case.id,
        kind=kind,
        actor=actor(user),
        from_status=from_status,
        to_status=to_status,
        note=note,
        at=at or utcnow(),
    )
    session.add(event)
    return event
