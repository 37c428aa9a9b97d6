"""The tip-off timeline: one function appends a step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from core.db import utcnow
from credit.tipoffs.models import TipOff, TipOffEvent


def add_event(
    session: Session,
    tipoff: TipOff,
    kind: str,
    actor: str,
    *,
    public: str | None = None,
    internal: str | None = None,
    at: dt.datetime | None = None,
) -> TipOffEvent:
    """Append one step to the tip-off's timeline."""
    event = TipOffEvent(
        tipoff_id=tipoff.id,
        kind=kind,
        actor=actor,
        public_note=public,
        internal_note=internal,
        at=at or utcnow(),
    )
    session.add(event)
    return event


def clean_text(value: Any) -> str:
    """A form or JSON value as stripped text ("" for None)."""
    return str(value or "").strip()
