"""Regulators moderate enterprises' replies: the queue of their region, approve (the reply
becomes public and enters the change log), reject with a reason. Audited like the board's
moderation (``credit.board.moderation``); the moderator's id is never public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.clock import local_date
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.users import REGULATOR_ROLES, User
from credit.board.personal_data import personal_data
from credit.records.models import Enterprise
from credit.replies.filing import MAX_ID, WAITING
from credit.replies.models import Reply
from credit.tipoffs.timeline import clean_text

QUEUE_SIZE = 50


def in_scope(user: User, reply: Reply) -> bool:
    """A regulator or admin of the enterprise's region."""
    return user.role in REGULATOR_ROLES and user.active and user.may_act_in(reply.region_code)


def get_reply(session: Session, user: User, reply_id: int, *, lock: bool = False) -> Reply:
    """The reply, if ``user`` may moderate it (NotFound / Forbidden otherwise)."""
    found = session.get(Reply, reply_id, with_for_update=lock) if 0 < reply_id <= MAX_ID else None
    if found is None:
        raise NotFound(msg("未找到企业说明 %(id)s", id=reply_id))
    if not in_scope(user, found):
        raise Forbidden(msg("该企业不在您的管辖区域内"))
    return found


@dataclass(frozen=True)
class QueuedReply:
    reply: Reply
    uscc: str
    enterprise_name: str


def reply_queue(session: Session, user: User) -> list[QueuedReply]:
    """Replies of my region waiting for a decision, held ones (personal data) first."""
    if user.role not in REGULATOR_ROLES:
        raise Forbidden(msg("只有监管人员可以审核企业说明"))
    held_first = func.coalesce(func.nullif(Reply.status, "held"), "")
    rows = session.execute(
        select(Reply, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Reply.enterprise_id)
        .where(Reply.status.in_(WAITING), Reply.region_code.startswith(user.scope_prefix))
        .order_by(held_first, Reply.created_at, Reply.id)
        .limit(QUEUE_SIZE)
    )
    return [QueuedReply(r, uscc, name) for r, uscc, name in rows]


def _waiting(session: Session, user: User, reply_id: int) -> Reply:
    reply = get_reply(session, user, reply_id, lock=True)
    if reply.status not in WAITING:
        raise Conflict(msg("该说明已审核"))
    return reply


def approve_reply(
    session: Session, user: User, reply_id: int, *, now: dt.datetime | None = None
) -> Reply:
    """Publish a waiting reply; it replaces an earlier public reply to the same record.
    Refused while the text holds personal data."""
    reply = _waiting(session, user, reply_id)
    found = personal_data(reply.text)
    if found:
        reply.held_reasons = " ".join(found)
        raise Invalid(
            msg("说明含有个人信息（电话、身份证号或邮箱），不能公开，请驳回并说明理由"),
            {"text": found},
        )
    now = now or utcnow()
    earlier = session.scalars(
        select(Reply).where(
            Reply.enterprise_id == reply.enterprise_id,
            Reply.target_type == reply.target_type,
            Reply.target_id.is_(None)
            if reply.target_id is None
            else Reply.target_id == reply.target_id,
            Reply.status == "approved",
        )
    )
    for old in earlier:
        old.status = "superseded"
        record_change(session, Reply.entity, old.id, enterprise_id=old.enterprise_id)
    reply.status, reply.decided_by, reply.decided_at = "approved", user.id, now
    reply.approved_on = local_date(now)
    record_change(session, Reply.entity, reply.id, enterprise_id=reply.enterprise_id)
    audit(
        session,
        f"user:{user.id}",
        "reply.approve",
        f"reply:{reply.id}",
        {"target": f"{reply.target_type}:{reply.target_id or ''}"},
    )
    return reply


def reject_reply(
    session: Session, user: User, reply_id: int, *, reason: str, now: dt.datetime | None = None
) -> Reply:
    """Refuse a waiting reply with a reason (recorded, audited, shown to the enterprise)."""
    reply = _waiting(session, user, reply_id)
    text = clean_text(reason)
    if not 2 <= len(text) <= 500:
        message = msg("请填写不予公开的理由（2–500 字）")
        raise Invalid(message, {"reason": [message]})
    reply.status, reply.decision_note = "rejected", text
    reply.decided_by, reply.decided_at = user.id, now or utcnow()
    audit(session, f"user:{user.id}", "reply.reject", f"reply:{reply.id}", {"reason": text})
    return reply
