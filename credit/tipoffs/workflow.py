"""The regulators' tip-off queue: list, accept or reject, assign, classify, investigate, extend.

Every operation is scoped to the regulator's region (``user.may_act_in``) and audited with
the tip-off's id only: reporter identity never goes into audit details or log lines.
Closing, duplicates and reopening are in ``tipoff_outcome``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from core.actors import actor_names
from core.audit import audit
from core.clock import local_date
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.users import User, regulators
from credit.records.models import Enterprise
from credit.supervision.models import SupervisionCase
from credit.tipoffs.feedback import find_feedback
from credit.tipoffs.models import (
    TIPOFF_CATEGORIES,
    TIPOFF_SEVERITIES,
    TIPOFF_STATUSES,
    Attachment,
    TipOff,
    TipOffEvent,
)
from credit.tipoffs.timeline import add_event
from credit.tipoffs.vocabulary import FINAL, SEVERITY_NAMES, STATUS_NAMES, named

HANDLING = ("accepted", "assigned", "investigating")
MAX_EXTENSION_DAYS = 30
PAGE_SIZE = 50
MAX_ID = 2**31 - 1
SORTS = ("deadline", "newest", "oldest", "severity")


def actor_of(user: User) -> str:
    """The audit and timeline actor for a regulator."""
    return f"user:{user.id}"


def in_scope(user: User, region_code: str | None) -> bool:
    """Inside the user's region; reports still without a region are the national admins'."""
    return user.may_act_in(region_code) if region_code else user.scope_prefix == ""


def scope_condition(user: User) -> Any:
    """The SQL form of :func:`in_scope` for the queue."""
    inside = TipOff.region_code.like(user.scope_prefix + "%")
    return inside if user.scope_prefix else or_(inside, TipOff.region_code.is_(None))


def get_tipoff(session: Session, user: User, tipoff_id: int, *, lock: bool = False) -> TipOff:
    """One tip-off of the regulator's region (NotFound / Forbidden otherwise)."""
    tipoff = (
        session.get(TipOff, tipoff_id, with_for_update=True if lock else None)
        if 0 < tipoff_id <= MAX_ID
        else None
    )
    if tipoff is None:
        raise NotFound(msg("未找到举报 %(id)s", id=tipoff_id))
    if not in_scope(user, tipoff.region_code):
        raise Forbidden(msg("该举报不在您的管辖区域内"))
    return tipoff


def require_status(tipoff: TipOff, allowed: tuple[str, ...] | frozenset[str], action: str) -> None:
    """Conflict unless the tip-off is in one of the ``allowed`` statuses (``action``: a
    :func:`msg` saying what was tried, e.g. ``msg(msg("受理"))``)."""
    if tipoff.status not in allowed:
        raise Conflict(
            msg(
                "举报当前为“%(status)s”，不能%(action)s",
                status=named(STATUS_NAMES[tipoff.status]),
                action=action,
            )
        )


def require_confirmed(confirmed: bool, action: str) -> None:
    """Invalid unless a destructive action (不予受理, 合并, 办结, 驳回 …: ``action``, a
    :func:`msg`) was confirmed on its second step (``confirm=yes`` posted)."""
    if confirmed is not True:
        message = msg("“%(action)s”须在确认页上确认后才会执行，本次未作任何更改", action=action)
        raise Invalid(message, {"confirm": [message]})


def note_text(value: str | None, field: str, *, required: bool, high: int = 4000) -> str | None:
    """A stripped note, checked for presence and length."""
    text = (value or "").strip()
    if required and not text:
        raise Invalid(msg("请填写必填项"), {field: [msg("请填写此项")]})
    if len(text) > high:
        message = msg("内容不能超过 %(n)s 字", n=high)
        raise Invalid(message, {field: [message]})
    return text or None


def _audit(session: Session, user: User, action: str, tipoff: TipOff, **detail: Any) -> None:
    audit(
        session,
        actor_of(user),
        f"tipoff.{action}",
        f"tipoff:{tipoff.id}",
        {"status": tipoff.status, **detail},
    )


def accept_tipoff(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> TipOff:
    """Accept a received report (due within 15 days of receipt)."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, ("received",), msg("受理"))
    now = now or utcnow()
    tipoff.status, tipoff.accepted_at = "accepted", now
    add_event(
        session,
        tipoff,
        "accepted",
        actor_of(user),
        at=now,
        public=msg("已受理，办理期限至 %(date)s", date=tipoff.due_at.isoformat()),
        internal=note_text(note, "note", required=False),
    )
    _audit(session, user, "accept", tipoff, late=local_date(now) > tipoff.accept_due_at)
    return tipoff


def reject_tipoff(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    reason: str,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> TipOff:
    """Decline a received report, with a reason the reporter will read (confirmed)."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, ("received",), msg("不予受理"))
    text = note_text(reason, "reason", required=True)
    require_confirmed(confirmed, msg("不予受理"))
    tipoff.status, tipoff.reject_reason = "rejected", text
    add_event(session, tipoff, "rejected", actor_of(user), public=text, at=now)
    _audit(session, user, "reject", tipoff)
    return tipoff


def assignable_users(session: Session, tipoff: TipOff) -> list[User]:
    """Active regulators whose region covers the tip-off's region."""
    users = session.scalars(
        select(User).where(User.active, regulators()).order_by(User.name, User.id)
    )
    return [u for u in users if u.may_act_in(tipoff.region_code)]


def assign_tipoff(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    assignee_id: int,
    now: dt.datetime | None = None,
) -> TipOff:
    """Hand an accepted report to a regulator of its region."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, HANDLING, msg("交办"))
    assignee = session.get(User, assignee_id) if 0 < assignee_id <= MAX_ID else None
    if assignee is None or not assignee.active or not assignee.may_act_in(tipoff.region_code):
        message = msg("承办人须为本辖区的监管人员")
        raise Invalid(message, {"assignee": [message]})
    tipoff.assigned_to = assignee.id
    if tipoff.status == "accepted":
        tipoff.status = "assigned"
    add_event(
        session,
        tipoff,
        "assigned",
        actor_of(user),
        public=msg("已交办承办人员"),
        internal=f"user:{assignee.id}",
        at=now,
    )
    _audit(session, user, "assign", tipoff, assignee=assignee.id)
    return tipoff


def classify_tipoff(
    session: Session, user: User, tipoff_id: int, *, severity: str, now: dt.datetime | None = None
) -> TipOff:
    """Grade the issue 日常 / 一般 / 较大 / 重大."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    if tipoff.status == "rejected":
        raise Conflict(msg("不予受理的举报不再定级"))
    if severity not in TIPOFF_SEVERITIES:
        message = msg("等级须为 %(names)s 之一", names="/".join(TIPOFF_SEVERITIES))
        raise Invalid(message, {"severity": [message]})
    tipoff.severity = severity
    add_event(
        session,
        tipoff,
        "classified",
        actor_of(user),
        at=now,
        public=msg("等级：%(name)s", name=named(SEVERITY_NAMES[severity])),
    )
    _audit(session, user, "classify", tipoff, severity=severity)
    return tipoff


def start_investigation(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> TipOff:
    """Mark an accepted or assigned report as under investigation."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, ("accepted", "assigned"), msg("开始调查"))
    tipoff.status = "investigating"
    add_event(
        session,
        tipoff,
        "investigating",
        actor_of(user),
        at=now,
        public=msg("正在调查核实"),
        internal=note_text(note, "note", required=False),
    )
    _audit(session, user, "investigate", tipoff)
    return tipoff


def extend_tipoff(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    days: int,
    reason: str,
    now: dt.datetime | None = None,
) -> TipOff:
    """Extend the closure deadline once, by at most 30 days, with a stated reason."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    require_status(tipoff, HANDLING, msg("延期"))
    if tipoff.extension_reason is not None:
        raise Conflict(msg("办理期限只能延长一次"))
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        message = msg("延长天数须为 1–%(n)s", n=MAX_EXTENSION_DAYS)
        raise Invalid(message, {"days": [message]})
    text = note_text(reason, "reason", required=True, high=2000)
    tipoff.due_at += dt.timedelta(days=days)
    tipoff.extension_reason = text
    add_event(
        session,
        tipoff,
        "extended",
        actor_of(user),
        at=now,
        public=msg(
            "办理期限延长 %(days)s 日至 %(date)s：%(reason)s",
            days=days,
            date=tipoff.due_at.isoformat(),
            reason=text,
        ),
    )
    _audit(session, user, "extend", tipoff, days=days, due_at=tipoff.due_at.isoformat())
    return tipoff


def set_reward_eligible(
    session: Session, user: User, tipoff_id: int, *, eligible: bool, now: dt.datetime | None = None
) -> TipOff:
    """Record whether the report qualifies for a reward (有奖举报)."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    if tipoff.reward_eligible == eligible:
        return tipoff
    tipoff.reward_eligible = eligible
    add_event(
        session,
        tipoff,
        "reward",
        actor_of(user),
        at=now,
        public=msg("符合有奖举报条件") if eligible else msg("不符合有奖举报条件"),
    )
    _audit(session, user, "reward", tipoff, eligible=eligible)
    return tipoff


@dataclass
class QueueFilter:
    """Filters and sort order of the queue page."""

    status: str = ""
    category: str = ""
    severity: str = ""
    overdue: bool = False
    reopen: bool = False
    sort: str = "deadline"
    page: int = 1

    def cleaned(self) -> QueueFilter:
        """Unknown values become 'no filter' (the page never errors on a stale link)."""
        return QueueFilter(
            status=self.status if self.status in TIPOFF_STATUSES else "",
            category=self.category if self.category in TIPOFF_CATEGORIES else "",
            severity=self.severity if self.severity in TIPOFF_SEVERITIES else "",
            overdue=bool(self.overdue),
            reopen=bool(self.reopen),
            sort=self.sort if self.sort in SORTS else "deadline",
            page=min(max(int(self.page or 1), 1), 10_000),
        )


@dataclass(frozen=True)
class QueueRow:
    tipoff: TipOff
    enterprise_name: str | None
    deadline: dt.date
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    filters: QueueFilter
    has_next: bool


def deadline_expr() -> Any:
    """The SQL form of the deadline that matters now (``tracking.effective_deadline``)."""
    return case((TipOff.status == "received", TipOff.accept_due_at), else_=TipOff.due_at)


def _order(sort: str) -> list[Any]:
    rank = case(
        {"critical": 4, "major": 3, "general": 2, "routine": 1}, value=TipOff.severity, else_=0
    )
    return {
        "deadline": [deadline_expr(), TipOff.id],
        "newest": [TipOff.id.desc()],
        "oldest": [TipOff.id],
        "severity": [rank.desc(), deadline_expr(), TipOff.id],
    }[sort]


def list_queue(session: Session, user: User, filters: QueueFilter, today: dt.date) -> QueuePage:
    """Tip-offs of the regulator's region, filtered and sorted, one page at a time."""
    f = filters.cleaned()
    conds: list[Any] = [scope_condition(user)]
    if f.status:
        conds.append(TipOff.status == f.status)
    if f.category:
        conds.append(TipOff.category == f.category)
    if f.severity:
        conds.append(TipOff.severity == f.severity)
    if f.overdue:
        conds += [TipOff.status.not_in(FINAL), deadline_expr() < today]
    if f.reopen:
        conds.append(TipOff.reopen_requested_at.is_not(None))
    total = session.scalar(select(func.count()).select_from(TipOff).where(*conds)) or 0
    stmt = (
        select(TipOff, Enterprise.name)
        .outerjoin(Enterprise, Enterprise.id == TipOff.enterprise_id)
        .where(*conds)
        .order_by(*_order(f.sort))
        .offset((f.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = []
    for tipoff, name in session.execute(stmt):
        deadline = tipoff.accept_due_at if tipoff.status == "received" else tipoff.due_at
        rows.append(
            QueueRow(
                tipoff,
                name or tipoff.enterprise_name,
                deadline,
                tipoff.status not in FINAL and today > deadline,
            )
        )
    return QueuePage(rows, total, f, f.page * PAGE_SIZE < total)


def tipoff_detail(session: Session, user: User, tipoff_id: int) -> dict[str, Any]:
    """Everything the handling regulator sees, reporter identity included, and the
    supervision case handling the report (None until one is opened)."""
    tipoff = get_tipoff(session, user, tipoff_id)
    events = session.scalars(
        select(TipOffEvent)
        .where(TipOffEvent.tipoff_id == tipoff.id)
        .order_by(TipOffEvent.at, TipOffEvent.id)
    ).all()
    files = session.scalars(
        select(Attachment).where(Attachment.tipoff_id == tipoff.id).order_by(Attachment.id)
    ).all()
    duplicates = session.scalars(
        select(TipOff).where(TipOff.duplicate_of_id == tipoff.id).order_by(TipOff.id)
    ).all()
    return {
        "tipoff": tipoff,
        "events": events,
        "attachments": files,
        "duplicates": duplicates,
        "original": session.get(TipOff, tipoff.duplicate_of_id) if tipoff.duplicate_of_id else None,
        "enterprise": session.get(Enterprise, tipoff.enterprise_id)
        if tipoff.enterprise_id
        else None,
        "assignee": session.get(User, tipoff.assigned_to) if tipoff.assigned_to else None,
        "users": assignable_users(session, tipoff),
        # officers by name on the timeline (who acted, and to whom a report was handed)
        "actors": actor_names(session, [a for e in events for a in (e.actor, e.internal_note)]),
        "case": session.scalar(
            select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id)
        ),
        "feedback": find_feedback(session, tipoff.id),
    }


def get_attachment(session: Session, user: User, tipoff_id: int, attachment_id: int) -> Attachment:
    """One attachment of a tip-off in the regulator's region."""
    tipoff = get_tipoff(session, user, tipoff_id)
    item = session.get(Attachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
    if item is None or item.tipoff_id != tipoff.id:
        raise NotFound(msg("未找到附件 %(id)s", id=attachment_id))
    return item
