"""The tip-off timeline: one function appends a step."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy.orm import Session

from core.db import utcnow
from core.messages import Msg
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


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def as_message(note: str | None) -> Msg | str | None:
    """A stored public note as a page shows it: a note the system wrote is stored as a
    :class:`Msg`'s text ("中文 / English") and comes back as a Msg (its halves apart); a
    regulator's or reporter's own words come back as they are."""
    if not note or " / " not in note:
        return note
    zh, en = note.split(" / ", 1)
    if _CJK.search(zh) and en[:1].isascii() and en[:1].isalnum() and not _CJK.search(en[:12]):
        return Msg(zh, en)
    return note


def clean_text(value: Any) -> str:
    """A form or JSON value as stripped text ("" for None)."""
    return str(value or "").strip()
