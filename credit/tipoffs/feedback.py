"""The closure questionnaire (回访) as the tracking page shows it: whether to ask, the answer
given, the reopen window, and the link a closing mail can carry.

Answering it is ``credit.tipoffs.questionnaire``; this module reads only, so the tracking
view can include it. The reporter's comment is never part of the view (it is for the
handling office).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.web import external_url
from credit.tipoffs.models import TipOff, TipOffFeedback
from credit.tipoffs.vocabulary import REOPEN_DAYS, SATISFACTION_NAMES, named


def reopen_until(ended: dt.date) -> dt.date:
    """The last China day on which a report that ended on ``ended`` may be reopened."""
    return ended + dt.timedelta(days=REOPEN_DAYS)


def questionnaire_link(tracking_code: str) -> str:
    """The absolute link to the tracking page with the code filled in, for a closing mail
    (the secret never travels in a URL: the reporter types it)."""
    return external_url("tipoffs.track_page", code=tracking_code)


def satisfaction_choices() -> list[tuple[int, Any]]:
    """The 满意度 scale for a form, best first: (value, name in both languages)."""
    return [(value, named(name)) for value, name in SATISFACTION_NAMES.items()]


def find_feedback(session: Session, tipoff_id: int) -> TipOffFeedback | None:
    """The tip-off's answer, if it was given."""
    return session.scalar(select(TipOffFeedback).where(TipOffFeedback.tipoff_id == tipoff_id))


def questionnaire_state(
    session: Session, tipoff: TipOff, case: TipOff, reopen_by: dt.date | None, today: dt.date
) -> dict[str, Any]:
    """For the tracking page: ``ask`` once the case (the original, for a merged report) is
    closed and no answer was given; the ``answer`` (without its comment) once given."""
    answer = find_feedback(session, tipoff.id)
    return {
        "ask": case.status == "closed" and answer is None,
        "answer": None
        if answer is None
        else {
            "resolved": answer.resolved,
            "satisfaction": answer.satisfaction,
            "satisfaction_label": named(SATISFACTION_NAMES[answer.satisfaction]),
            "answered_on": answer.answered_on,
            "reopen_requested": answer.reopen_requested,
        },
        "reopen_by": reopen_by,
        "window_open": reopen_by is not None and today <= reopen_by,
    }
