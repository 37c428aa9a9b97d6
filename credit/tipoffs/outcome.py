"""Closing tip-offs: the public outcome, inspections from substantiated reports, duplicates,
and answering the reporter's request to reopen.

A report closed as substantiated against an enterprise becomes an inspection record
(kind ``complaint``, outcome ``issues_found``) in the enterprise's credit file, and the
enterprise is marked changed so that rescoring counts the substantiated tip-off. Reopening
such a report withdraws that inspection again until the report is closed anew.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.clock import local_date
from core.db import utcnow
from core.errors import Conflict, Invalid, NotFound
from core.messages import msg
from core.reference import Region
from core.users import User
from credit.records.models import Enterprise, Inspection
from credit.tipoffs.codes import normalize_code
from credit.tipoffs.models import TipOff
from credit.tipoffs.timeline import add_event
from credit.tipoffs.vocabulary import CLOSE_DAYS, FINAL
from credit.tipoffs.workflow import (
    HANDLING,
    actor_of,
    get_tipoff,
    note_text,
    require_confirmed,
    require_status,
)


def region_agency(region: Region | None) -> str:
    """A region's environmental authority, e.g. 兰州市生态环境局 (a province: …生态环境厅)."""
    if region is None:
        return "生态环境主管部门"
    return f"{region.name}生态环境{'厅' if region.level == 1 else '局'}"[:200]


def agency_name(session: Session, user: User) -> str:
    """The regulator's authority (see :func:`region_agency`)."""
    return region_agency(session.get(Region, user.region_code))


def _sync_inspection(session: Session, user: User, tipoff: TipOff, today: dt.date) -> None:
    """Create, update or withdraw the inspection that a substantiated report produces."""
    if tipoff.enterprise_id is None:
        return
    ent = session.get(Enterprise, tipoff.enterprise_id)
    assert ent is not None
    record = session.scalar(select(Inspection).where(Inspection.tipoff_id == tipoff.id))
    if tipoff.substantiated:
        findings = f"群众举报经查属实：{tipoff.public_outcome}"
        if record is None:
            record = Inspection(
                enterprise_id=ent.id,
                ref=f"tipoff-{tipoff.id}",
                date=today,
                agency=agency_name(session, user),
                kind="complaint",
                outcome="issues_found",
                findings=findings,
                tipoff_id=tipoff.id,
            )
            session.add(record)
        else:
            record.date, record.findings, record.withdrawn_at = today, findings, None
            record.outcome = "issues_found"
    elif record is not None and record.withdrawn_at is None:
        record.withdrawn_at = today
    else:
        return
    session.flush()
    record_change(session, Inspection.entity, record.id, enterprise_id=ent.id)
    record_change(session, Enterprise.entity, ent.uscc, enterprise_id=ent.id)


def _check_outcome(outcome: str, substantiated: bool) -> str:
    """The public outcome text, once it and the substantiated flag are valid."""
    if not isinstance(substantiated, bool):
        message = msg("请说明举报是否属实")
        raise Invalid(message, {"substantiated": [message]})
    text = note_text(outcome, "outcome", required=True)
    assert text is not None
    return text


def close_tipoff(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    outcome: str,
    substantiated: bool,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> TipOff:
    """Close with a public outcome (confirmed); substantiated reports against an enterprise
    count."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, HANDLING, msg("办结"))
    _check_outcome(outcome, substantiated)
    require_confirmed(confirmed, msg("办结"))
    return conclude_tipoff(
        session, user, tipoff, outcome=outcome, substantiated=substantiated, now=now
    )


def conclude_tipoff(
    session: Session,
    user: User,
    tipoff: TipOff,
    *,
    outcome: str,
    substantiated: bool,
    now: dt.datetime | None = None,
) -> TipOff:
    """Close a tip-off the caller has found in scope (:func:`close_tipoff`, or the case that
    handled it: ``credit.tipoffs.case_link``)."""
    require_status(tipoff, HANDLING, msg("办结"))
    text = _check_outcome(outcome, substantiated)
    now = now or utcnow()
    tipoff.status, tipoff.closed_at = "closed", now
    tipoff.public_outcome, tipoff.substantiated = text, substantiated
    tipoff.reopen_requested_at = None
    add_event(session, tipoff, "closed", actor_of(user), public=text, at=now)
    _sync_inspection(session, user, tipoff, local_date(now))
    audit(
        session,
        actor_of(user),
        "tipoff.close",
        f"tipoff:{tipoff.id}",
        {"substantiated": substantiated, "on_time": local_date(now) <= tipoff.due_at},
    )
    return tipoff


def _find_original(session: Session, user: User, reference: str) -> TipOff:
    """The tip-off named by its tracking code or id, followed to the root of its merges."""
    ref = (reference or "").strip()[:40]
    if ref.isdigit():
        original = get_tipoff(session, user, int(ref))
    else:
        code = normalize_code(ref)
        found = (
            session.scalar(select(TipOff.id).where(TipOff.tracking_code == code)) if code else None
        )
        if found is None:
            raise NotFound(msg("未找到要合并到的举报"))
        original = get_tipoff(session, user, found)
    if original.duplicate_of_id is not None:
        original = get_tipoff(session, user, original.duplicate_of_id)
    return original


def mark_duplicate(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    original: str,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> TipOff:
    """Merge a report into another about the same problem (confirmed); its tracking follows
    the original."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, ("received", *HANDLING), msg("合并"))
    root = _find_original(session, user, original)
    if root.id == tipoff.id:
        message = msg("不能与自身合并")
        raise Invalid(message, {"original": [message]})
    require_confirmed(confirmed, msg("合并"))
    now = now or utcnow()
    tipoff.duplicate_of_id, tipoff.status, tipoff.closed_at = root.id, "closed", now
    tipoff.substantiated = None
    tipoff.public_outcome = msg("与同一问题的另一件举报合并办理，进展见下")
    # Reports merged into this one now follow the root as well (merges stay one level deep).
    session.execute(
        update(TipOff).where(TipOff.duplicate_of_id == tipoff.id).values(duplicate_of_id=root.id)
    )
    add_event(
        session,
        tipoff,
        "duplicate",
        actor_of(user),
        at=now,
        public=tipoff.public_outcome,
        internal=f"tipoff:{root.id}",
    )
    audit(session, actor_of(user), "tipoff.duplicate", f"tipoff:{tipoff.id}", {"original": root.id})
    return tipoff


def decide_reopen(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    reopen: bool,
    note: str,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> TipOff:
    """Answer the reporter's reopen request: reopen the report, or keep the outcome (驳回,
    confirmed)."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, FINAL, msg("重新处理"))
    if tipoff.reopen_requested_at is None:
        raise Conflict(msg("举报人没有申请重新处理"))
    text = note_text(note, "note", required=True)
    if not reopen:
        require_confirmed(confirmed, msg("驳回重新处理申请"))
    now = now or utcnow()
    today = local_date(now)
    tipoff.reopen_requested_at = None
    if not reopen:
        add_event(session, tipoff, "reopen_declined", actor_of(user), public=text, at=now)
        audit(session, actor_of(user), "tipoff.reopen_decline", f"tipoff:{tipoff.id}")
        return tipoff
    was_substantiated = bool(tipoff.substantiated)
    if tipoff.status == "closed" and tipoff.duplicate_of_id is None:
        tipoff.status = "investigating"
    else:  # rejected, or merged by mistake: handled as a case of its own again
        tipoff.status, tipoff.duplicate_of_id = "accepted", None
        tipoff.accepted_at, tipoff.reject_reason = tipoff.accepted_at or now, None
    tipoff.closed_at, tipoff.substantiated, tipoff.public_outcome = None, None, None
    tipoff.due_at = max(tipoff.due_at, today + dt.timedelta(days=CLOSE_DAYS))
    add_event(session, tipoff, "reopened", actor_of(user), public=text, at=now)
    if was_substantiated:
        _sync_inspection(session, user, tipoff, today)
    audit(
        session,
        actor_of(user),
        "tipoff.reopen",
        f"tipoff:{tipoff.id}",
        {"due_at": tipoff.due_at.isoformat()},
    )
    return tipoff
