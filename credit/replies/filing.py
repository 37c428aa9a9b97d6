"""An enterprise user files a reply (企业说明) to one of its own records or to its rating.

The reply waits for a regulator of the enterprise's region (``credit.replies.moderation``);
a text that looks like it holds personal data (a phone or ID number, an e-mail address) is
held, as on the message board, and cannot be approved until it is rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import today as china_today
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.users import ENTERPRISE_ROLES, User
from credit.board.personal_data import personal_data
from credit.records.models import DisclosureReport, Enterprise, Inspection, Penalty, Permit
from credit.records.publication import is_public
from credit.replies.models import TARGETS, Reply
from credit.tipoffs.timeline import clean_text

MAX_LENGTH = 500
MIN_LENGTH = 5
MAX_ID = 2**31 - 1
WAITING = ("pending", "held")
#: the records a reply may answer, by target type
TARGET_MODELS: dict[str, Any] = {
    "penalty": Penalty,
    "inspection": Inspection,
    "permit": Permit,
    "disclosure": DisclosureReport,
}
TARGET_NAMES = {
    "penalty": "行政处罚",
    "inspection": "现场检查",
    "permit": "排污许可",
    "disclosure": "依法披露",
    "rating": "信用评价",
}


def _refuse(field: str, message: str) -> Invalid:
    return Invalid(message, {field: [message]})


def replying_enterprise(session: Session, user: User) -> Enterprise:
    """The enterprise an active enterprise user speaks for (403 for anyone else)."""
    if user.enterprise_id is None or user.role not in ENTERPRISE_ROLES or not user.active:
        raise Forbidden(msg("只有企业账户可以发布企业说明"))
    enterprise = session.get(Enterprise, user.enterprise_id)
    assert enterprise is not None  # the foreign key
    return enterprise


def check_target(
    session: Session, enterprise: Enterprise, target_type: str, target_id: int | None
) -> None:
    """The record exists, is public and is ``enterprise``'s (NotFound otherwise: another
    enterprise's record is not confirmed to exist)."""
    if target_type not in TARGETS:
        raise _refuse("target_type", msg("未知的说明对象：%(kind)s", kind=target_type[:20]))
    if target_type == "rating":
        return
    model = TARGET_MODELS[target_type]
    row = session.get(model, target_id) if target_id and 0 < target_id <= MAX_ID else None
    public = row is not None and (
        is_public(row, china_today())
        if target_type == "penalty"
        else getattr(row, "withdrawn_at", None) is None
    )
    if row is None or row.enterprise_id != enterprise.id or not public:
        raise NotFound(msg("本企业没有编号为 %(id)s 的公开记录", id=target_id))


def file_reply(
    session: Session,
    user: User,
    *,
    target_type: str,
    target_id: int | None,
    text: str,
    now: dt.datetime | None = None,
) -> Reply:
    """A new reply, waiting for moderation; one waiting reply per record at a time."""
    enterprise = replying_enterprise(session, user)
    target_id = None if target_type == "rating" else target_id
    check_target(session, enterprise, target_type, target_id)
    body = clean_text(text)
    if not MIN_LENGTH <= len(body) <= MAX_LENGTH:
        raise _refuse("text", msg("说明须为 %(low)s–%(high)s 字", low=MIN_LENGTH, high=MAX_LENGTH))
    waiting = session.scalar(
        select(Reply.id).where(
            Reply.enterprise_id == enterprise.id,
            Reply.target_type == target_type,
            Reply.target_id.is_(None) if target_id is None else Reply.target_id == target_id,
            Reply.status.in_(WAITING),
        )
    )
    if waiting is not None:
        raise Conflict(msg("该记录已有一条待审核的说明"))
    found = personal_data(body)
    reply = Reply(
        enterprise_id=enterprise.id,
        region_code=enterprise.region_code,
        target_type=target_type,
        target_id=target_id,
        text=body,
        status="held" if found else "pending",
        held_reasons=" ".join(found) or None,
        author_id=user.id,
        created_at=now or utcnow(),
    )
    session.add(reply)
    session.flush()
    audit(
        session,
        f"user:{user.id}",
        "reply.filed",
        f"reply:{reply.id}",
        {"target": f"{target_type}:{target_id or ''}", "held": reply.held_reasons},
    )
    return reply


def own_replies(session: Session, user: User) -> list[Reply]:
    """The enterprise's replies, newest first, with their state (for its own page)."""
    enterprise = replying_enterprise(session, user)
    rows = session.scalars(
        select(Reply)
        .where(Reply.enterprise_id == enterprise.id)
        .order_by(Reply.created_at.desc(), Reply.id.desc())
        .limit(100)
    )
    return list(rows)


@dataclass(frozen=True)
class ReplyTarget:
    """Something the enterprise may answer: its type, id and how the form names it."""

    target_type: str
    target_id: int | None
    #: the record's own identifier (decision number, date, permit number, year)
    ident: str

    @property
    def value(self) -> str:
        return f"{self.target_type}:{self.target_id or ''}"


def reply_targets(session: Session, user: User, today: dt.date) -> list[ReplyTarget]:
    """The enterprise's rating and public records, for the reply form's choice."""
    enterprise = replying_enterprise(session, user)
    out = [ReplyTarget("rating", None, "")]
    choices: tuple[tuple[Any, str, Any], ...] = (
        (Penalty, "penalty", lambda p: f"{p.decision_no}（{p.decision_date}）"),
        (Inspection, "inspection", lambda i: f"{i.date} {i.agency}"),
        (Permit, "permit", lambda p: p.permit_no),
        (DisclosureReport, "disclosure", lambda d: str(d.year)),
    )
    for model, kind, label in choices:
        rows = session.scalars(
            select(model).where(model.enterprise_id == enterprise.id).order_by(model.id.desc())
        )
        for row in rows:
            if kind == "penalty" and not is_public(row, today):
                continue
            if getattr(row, "withdrawn_at", None) is not None:
                continue
            out.append(ReplyTarget(kind, row.id, label(row)))
    return out


def parse_target(value: str) -> tuple[str, int | None]:
    """``penalty:12`` or ``rating:`` as the form sends it (an unknown shape is refused)."""
    kind, _sep, ident = (value or "").partition(":")
    if kind not in TARGETS or (kind != "rating" and not ident.isdigit()) or len(ident) > 10:
        raise _refuse("target", msg("请选择要说明的记录"))
    return kind, int(ident) if ident else None
