"""Answering the closure questionnaire (回访) with code + secret: 问题是否解决, 满意度 (1–5) and
an optional comment, once per tip-off, stored with the China date.

"Not resolved" inside the reopen window asks to reopen the report through the same service
as the tracking page's form (``request_reopen``); after the window the answer is recorded and
the reporter is told that the window has passed. The comment is for the handling office
only: it is neither the reopen reason (the reporter's public timeline) nor in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import local_date
from core.db import utcnow
from core.errors import Conflict, Invalid
from core.messages import msg
from credit.tipoffs.codes import find_tracked
from credit.tipoffs.feedback import find_feedback
from credit.tipoffs.models import TipOff, TipOffFeedback
from credit.tipoffs.timeline import clean_text
from credit.tipoffs.tracking import reopen_window_open, request_reopen
from credit.tipoffs.vocabulary import SATISFACTION_NAMES

COMMENT_MAX = 2000


@dataclass(frozen=True)
class Answered:
    """The stored answer and what became of a "not resolved": ``reopen`` (a reopen request
    was made), ``pending`` (one was already waiting), ``window_passed`` or None."""

    feedback: TipOffFeedback
    outcome: str | None


def _refuse(field: str, text: str) -> Invalid:
    message = msg(text)
    return Invalid(message, {field: [message]})


def parse_answer(
    resolved: str | bool | None, satisfaction: str | int | None, comment: str | None
) -> tuple[bool, int, str | None]:
    """The form's (or a caller's) values → (resolved, satisfaction 1–5, comment or None)."""
    if isinstance(resolved, bool):
        is_resolved = resolved
    elif resolved in {"yes", "no"}:
        is_resolved = resolved == "yes"
    else:
        raise _refuse("resolved", "请选择问题是否已解决")
    text = str(satisfaction).strip() if satisfaction is not None else ""
    if isinstance(satisfaction, bool) or not text.isdigit() or int(text) not in SATISFACTION_NAMES:
        raise _refuse("satisfaction", "请选择满意度（1–5）")
    note = clean_text(comment) or None
    if note is not None and (len(note) > COMMENT_MAX or "\x00" in note):
        message = msg("意见最多 %(n)s 字", n=COMMENT_MAX)
        raise Invalid(message, {"comment": [message]})
    return is_resolved, int(text), note


def _case(session: Session, tipoff: TipOff) -> TipOff:
    original = session.get(TipOff, tipoff.duplicate_of_id) if tipoff.duplicate_of_id else None
    return original or tipoff


def answer_questionnaire(
    session: Session,
    code: str,
    secret: str,
    *,
    resolved: str | bool | None,
    satisfaction: str | int | None,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> Answered:
    """The reporter answers the questionnaire of a closed report (once)."""
    tipoff = find_tracked(session, code, secret, lock=True)
    is_resolved, score, note = parse_answer(resolved, satisfaction, comment)
    if _case(session, tipoff).status != "closed":
        raise Conflict(msg("举报办结后才能填写回访问卷"))
    if find_feedback(session, tipoff.id) is not None:
        raise Conflict(msg("您已填写过回访问卷，每件举报只能评价一次"))
    now = now or utcnow()
    outcome = None
    if not is_resolved:
        if tipoff.reopen_requested_at is not None:
            outcome = "pending"
        elif reopen_window_open(session, tipoff, local_date(now)):
            # the reason on the reporter's timeline; their comment stays with the office
            reason = msg("回访问卷：问题未解决，申请重新处理")
            request_reopen(session, code, secret, reason, now=now)
            outcome = "reopen"
        else:
            outcome = "window_passed"
    feedback = TipOffFeedback(
        tipoff_id=tipoff.id,
        resolved=is_resolved,
        satisfaction=score,
        comment=note,
        answered_on=local_date(now),
        reopen_requested=outcome == "reopen",
        created_at=now,
    )
    session.add(feedback)
    session.flush()
    audit(
        session,
        "public",
        "tipoff.feedback",
        f"tipoff:{tipoff.id}",
        {"resolved": is_resolved, "satisfaction": score, "reopen": outcome == "reopen"},
    )
    return Answered(feedback, outcome)
