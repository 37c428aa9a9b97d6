"""What the reporter sees with code + secret: status, deadlines, outcome and the timeline.

The view is built from an explicit list of public fields; reporter identity, internal notes
and the assigned regulator are never part of it. Attachments are listed by type, size and
date, never by their uploaded names (a file name may name its owner); the enterprise is
shown with its public registry data, or as the reporter typed it. A report merged into
another (duplicate) shows the original's progress: its case-level steps (``CASE_EVENTS``),
never the steps that concern the other reporter (their words, a reward, a reopen request).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import local_date
from core.db import read_only, utcnow
from core.errors import Conflict, Invalid
from core.messages import msg
from core.reference import Region
from credit.records.models import Enterprise
from credit.tipoffs.attachments import MAX_FILES, PreparedFile, prepare_uploads, store_attachments
from credit.tipoffs.codes import (
    find_tracked,
)
from credit.tipoffs.feedback import questionnaire_state, reopen_until
from credit.tipoffs.models import Attachment, TipOff, TipOffEvent
from credit.tipoffs.outcome import region_agency
from credit.tipoffs.timeline import add_event, as_message, clean_text
from credit.tipoffs.vocabulary import (
    CASE_EVENTS,
    CATEGORY_NAMES,
    EVENT_NAMES,
    FINAL,
    PROGRESS,
    REOPEN_DAYS,
    SEVERITY_NAMES,
    STATUS_NAMES,
    STEP_OF,
    days_left,
    named,
)


def actor_role(actor: str) -> str:
    """``user:7`` → ``regulator``: the public timeline names roles, never people."""
    return actor if actor in {"reporter", "system"} else "regulator"


def effective_deadline(tipoff: TipOff) -> dt.date:
    """The deadline that matters now: acceptance while received, closure afterwards."""
    return tipoff.accept_due_at if tipoff.status == "received" else tipoff.due_at


def is_overdue(tipoff: TipOff, today: dt.date) -> bool:
    """Open and past its current deadline."""
    return tipoff.status not in FINAL and today > effective_deadline(tipoff)


def _events(session: Session, tipoff_id: int) -> list[TipOffEvent]:
    return list(
        session.scalars(
            select(TipOffEvent)
            .where(TipOffEvent.tipoff_id == tipoff_id)
            .order_by(TipOffEvent.at, TipOffEvent.id)
        )
    )


def public_timeline(
    session: Session, tipoff: TipOff, original: TipOff | None = None
) -> list[dict[str, Any]]:
    """Timeline entries with public notes only: this report's own steps, plus the case-level
    steps of the ``original`` it was merged into."""
    events = _events(session, tipoff.id)
    if original is not None:
        events += [e for e in _events(session, original.id) if e.kind in CASE_EVENTS]
        events.sort(key=lambda e: (e.at, e.id))
    return [
        {
            "at": e.at,
            "kind": e.kind,
            "label": EVENT_NAMES.get(e.kind, e.kind),
            "event": named(EVENT_NAMES.get(e.kind, e.kind)),
            "actor": actor_role(e.actor),
            "note": e.public_note,
            "text": as_message(e.public_note),
        }
        for e in events
    ]


def progress(status: str) -> list[dict[str, Any]]:
    """The progress indicator's steps (已接收 → 已受理 → 调查处理 → 办结), each done, current or
    to come (the last step is current once the report is closed); a rejected report ends
    at its second step, named 不予受理."""
    step = STEP_OF[status]
    steps = []
    for i, (key, name) in enumerate(PROGRESS):
        if status == "rejected" and i == 1:
            key, name = "rejected", STATUS_NAMES["rejected"]
        if status == "rejected" and i > 1:
            break
        state = "done" if i < step else "current" if i == step else "todo"
        steps.append({"key": key, "label": named(name), "state": state})
    return steps


def reported_enterprise(session: Session, tipoff: TipOff) -> dict[str, Any] | None:
    """The enterprise the report names: registry data anyone may see (name, USCC), or the
    name as the reporter typed it (``registered`` False), or None."""
    if tipoff.enterprise_id is not None:
        ent = session.get(Enterprise, tipoff.enterprise_id)
        if ent is not None:
            return {"registered": True, "name": ent.name, "uscc": ent.uscc}
    if tipoff.enterprise_name:
        return {"registered": False, "name": tipoff.enterprise_name, "uscc": None}
    return None


def ended_on(session: Session, case: TipOff) -> dt.date | None:
    """The China date a case ended: its closure, or the refusal (不予受理); None while open."""
    if case.closed_at is not None:
        return local_date(case.closed_at)
    if case.status != "rejected":
        return None
    decided = session.scalar(
        select(func.max(TipOffEvent.at)).where(
            TipOffEvent.tipoff_id == case.id, TipOffEvent.kind == "rejected"
        )
    )
    return local_date(decided) if decided is not None else None


def public_view(session: Session, tipoff: TipOff, today: dt.date | None = None) -> dict[str, Any]:
    """The tracking page's and the status API's view of one tip-off."""
    today = today or local_date(dt.datetime.now(dt.UTC))
    original = session.get(TipOff, tipoff.duplicate_of_id) if tipoff.duplicate_of_id else None
    case = original or tipoff
    files = session.execute(
        select(Attachment.content_type, Attachment.size_bytes, Attachment.created_at)
        .where(Attachment.tipoff_id == tipoff.id)
        .order_by(Attachment.id)
    ).all()
    deadline = effective_deadline(case)
    timeline = public_timeline(session, tipoff, original)
    ended = ended_on(session, case)
    until = reopen_until(ended) if ended is not None else None
    window_open = until is None or today <= until
    return {
        "tracking_code": tipoff.tracking_code,
        "category": tipoff.category,
        "category_name": CATEGORY_NAMES[tipoff.category],
        "location": tipoff.location,
        "description": tipoff.description,
        "received_at": tipoff.created_at,
        "merged": original is not None,
        "status": case.status,
        "status_name": STATUS_NAMES[case.status],
        "severity": case.severity,
        "severity_name": SEVERITY_NAMES.get(case.severity or ""),
        "accept_due_at": case.accept_due_at,
        "due_at": case.due_at,
        "deadline": deadline,
        "days_left": days_left(deadline, today),
        "accept_days_left": days_left(case.accept_due_at, today),
        "due_days_left": days_left(case.due_at, today),
        "closed_on": ended,
        "progress": progress(case.status),
        "enterprise": reported_enterprise(session, tipoff),
        "category_label": named(CATEGORY_NAMES[tipoff.category]),
        "status_label": named(STATUS_NAMES[case.status]),
        "severity_label": named(SEVERITY_NAMES.get(case.severity or "")),
        "outcome_text": as_message(case.public_outcome),
        "overdue": is_overdue(case, today),
        "extended": case.extension_reason is not None,
        "extension_reason": case.extension_reason,
        "accepted_at": case.accepted_at,
        "closed_at": case.closed_at,
        "reject_reason": case.reject_reason,
        "public_outcome": case.public_outcome,
        "substantiated": case.substantiated,
        "reward_eligible": tipoff.reward_eligible,
        "reopen_requested": tipoff.reopen_requested_at is not None,
        "may_reopen": tipoff.status in FINAL and tipoff.reopen_requested_at is None and window_open,
        "reopen_until": until,
        "reopen_days": REOPEN_DAYS,
        "questionnaire": questionnaire_state(session, tipoff, case, until, today),
        "attachments": len(files),
        # listed by type, size and date: an uploaded file's name may name its owner
        "attachment_files": [
            {"content_type": t, "kb": max(1, round(n / 1024)), "added": local_date(at)}
            for t, n, at in files
        ],
        "timeline": timeline,
        # who handles it, as the public sees it: the office, never an officer's name
        "office": region_agency(
            session.get(Region, case.region_code) if case.region_code else None
        ),
    }


def track(
    session: Session, code: str | None, secret: str | None, today: dt.date | None = None
) -> dict[str, Any]:
    """Code + secret → the public view; the same NotFound for a wrong code or secret."""
    return public_view(session, find_tracked(session, code, secret), today)


def region_choices(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """Provinces with their prefectures, for the form's region picker (province first)."""
    rows = session.execute(
        select(Region.code, Region.name, Region.level)
        .where(Region.level <= 2)
        .order_by(Region.code)
    ).all()
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for code, name, level in rows:
        province = code[:2] + "0000"
        if level == 1:
            groups[province] = (name, [(code, name)])
        elif province in groups:
            groups[province][1].append((code, name))
    return list(groups.values())


def _text(value: str | None, field: str, low: int, high: int) -> str:
    text = clean_text(value)
    if not low <= len(text) <= high or "\x00" in text:
        message = msg("内容须为 %(low)s–%(high)s 字", low=low, high=high)
        raise Invalid(message, {field: [message]})
    return text


def check_information(
    session: Session, code: str, secret: str, text: str, *, files: int = 0, lock: bool = False
) -> tuple[TipOff, str]:
    """Code + secret, the text and the number of files of an addition, before any upload is
    read; the tip-off and the cleaned text, or NotFound / Invalid / Conflict."""
    tipoff = find_tracked(session, code, secret, lock=lock)
    body = _text(text, "text", 2, 4000)
    count = session.scalar(
        select(func.count())
        .select_from(TipOffEvent)
        .where(TipOffEvent.tipoff_id == tipoff.id, TipOffEvent.kind == "reporter_info")
    )
    if (count or 0) >= MAX_INFO_EVENTS:
        raise Conflict(msg("补充信息次数已达上限"))
    if (
        files
        and (
            session.scalar(
                select(func.count())
                .select_from(Attachment)
                .where(Attachment.tipoff_id == tipoff.id)
            )
            or 0
        )
        + files
        > MAX_FILES
    ):
        message = msg("每件举报最多 %(n)s 个附件", n=MAX_FILES)
        raise Invalid(message, {"attachments": [message]})
    return tipoff, body


def add_information(
    session: Session,
    code: str,
    secret: str,
    text: str,
    *,
    attachments: Sequence[PreparedFile] = (),
    upload_dir: str | None = None,
    now: dt.datetime | None = None,
) -> TipOff:
    """The reporter adds information (and files, within the limit of five in all)."""
    tipoff, body = check_information(session, code, secret, text, lock=True)
    if attachments:
        if upload_dir is None:
            raise ValueError("upload_dir is required with attachments")
        store_attachments(session, tipoff.id, attachments, upload_dir)
    add_event(session, tipoff, "reporter_info", "reporter", public=body, at=now)
    audit(
        session,
        "public",
        "tipoff.add_information",
        f"tipoff:{tipoff.id}",
        {"attachments": len(attachments)},
    )
    return tipoff


def request_reopen(
    session: Session, code: str, secret: str, reason: str, *, now: dt.datetime | None = None
) -> TipOff:
    """The reporter asks to reopen a closed or rejected report, saying why, within
    ``REOPEN_DAYS`` of the closure or the refusal."""
    tipoff = find_tracked(session, code, secret, lock=True)
    body = _text(reason, "reason", 5, 4000)
    if tipoff.status not in FINAL:
        raise Conflict(msg("举报尚未办结，可直接补充信息"))
    if tipoff.reopen_requested_at is not None:
        raise Conflict(msg("已申请重新处理，请等待答复"))
    now = now or utcnow()
    if not reopen_window_open(session, tipoff, local_date(now)):
        raise Conflict(msg("已超过申请重新处理的期限（办结后 %(n)s 日内）", n=REOPEN_DAYS))
    tipoff.reopen_requested_at = now
    add_event(session, tipoff, "reopen_requested", "reporter", public=body, at=now)
    audit(session, "public", "tipoff.reopen_request", f"tipoff:{tipoff.id}")
    return tipoff


MAX_INFO_EVENTS = 30


def reopen_window_open(session: Session, tipoff: TipOff, today: dt.date) -> bool:
    """Whether the reporter may still ask to reopen: within ``REOPEN_DAYS`` of the day the
    case (the original, for a merged report) ended; a merged report whose original is still
    open may always ask."""
    original = session.get(TipOff, tipoff.duplicate_of_id) if tipoff.duplicate_of_id else None
    ended = ended_on(session, original or tipoff)
    return ended is None or today <= reopen_until(ended)


def add_information_with_uploads(
    session: Session,
    code: str,
    secret: str,
    text: str,
    uploads: Sequence[tuple[str | None, bytes]],
    *,
    upload_dir: str,
) -> TipOff:
    """The reporter's addition from the tracking page: code, secret, text and the number of
    files are checked first (read-only), before any upload is decoded."""
    with read_only() as reader:
        check_information(reader, code, secret, text, files=len(uploads))
    return add_information(
        session, code, secret, text, attachments=prepare_uploads(uploads), upload_dir=upload_dir
    )
