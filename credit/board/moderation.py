"""Staff work on the board: the moderation queue, approving or refusing a message (with a
reason, audited), answering it publicly in an office's name, and turning it into a tip-off
or a supervision case with a link kept.

Only regulators and administrators of the message's region (``User.may_act_in``) may act;
every step is audited (``core.audit``) with the moderator's id, which no public page shows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.users import REGULATOR_ROLES, User
from credit.board.models import BoardMessage
from credit.board.personal_data import personal_data
from credit.tipoffs.timeline import clean_text

MAX_ID = 2**31 - 1
QUEUE_SIZE = 50
WAITING = ("held", "pending")


def _actor(user: User) -> str:
    return f"user:{user.id}"


def _refuse(field: str, message: str) -> Invalid:
    return Invalid(message, {field: [message]})


def in_scope(user: User, message: BoardMessage) -> bool:
    """A regulator or admin of the message's region."""
    return user.role in REGULATOR_ROLES and user.active and user.may_act_in(message.region_code)


def get_message(
    session: Session, user: User, message_id: int, *, lock: bool = False
) -> BoardMessage:
    """The message, if ``user`` may act on it (NotFound / Forbidden otherwise)."""
    found = (
        session.get(BoardMessage, message_id, with_for_update=lock)
        if 0 < message_id <= MAX_ID
        else None
    )
    if found is None:
        raise NotFound(msg("未找到留言 %(id)s", id=message_id))
    if not in_scope(user, found):
        raise Forbidden(msg("该留言不在您的管辖区域内"))
    return found


def moderation_queue(session: Session, user: User) -> list[BoardMessage]:
    """Messages of my region waiting for moderation, held ones (personal data) first."""
    held_first = func.coalesce(func.nullif(BoardMessage.status, "held"), "")
    rows = session.scalars(
        select(BoardMessage)
        .where(
            BoardMessage.status.in_(WAITING),
            BoardMessage.region_code.startswith(user.scope_prefix),
        )
        .order_by(held_first, BoardMessage.created_at, BoardMessage.id)
        .limit(QUEUE_SIZE)
    )
    return list(rows)


def unanswered(session: Session, user: User) -> list[BoardMessage]:
    """Published messages of my region still without an answer, the earliest due first."""
    rows = session.scalars(
        select(BoardMessage)
        .where(
            BoardMessage.status == "published",
            BoardMessage.answer.is_(None),
            BoardMessage.region_code.startswith(user.scope_prefix),
        )
        .order_by(BoardMessage.answer_due_on, BoardMessage.id)
        .limit(QUEUE_SIZE)
    )
    return list(rows)


def _edited(message: BoardMessage, title: str | None, body: str | None) -> bool:
    """Apply the moderator's redaction (personal data removed), checked like a post; True
    if the text changed."""
    changed = False
    if title is not None and clean_text(title) != message.title:
        text = clean_text(title)
        if not 4 <= len(text) <= 100:
            raise _refuse("title", msg("标题须为 4–100 字"))
        message.title, changed = text, True
    if body is not None and clean_text(body) != message.body:
        text = clean_text(body)
        if not 10 <= len(text) <= 2000:
            raise _refuse("body", msg("留言内容须为 10–2000 字"))
        message.body, changed = text, True
    return changed


def approve_message(
    session: Session,
    user: User,
    message_id: int,
    *,
    title: str | None = None,
    body: str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> BoardMessage:
    """Publish a waiting message, after the moderator's edits; refused while the text still
    holds personal data."""
    message = get_message(session, user, message_id, lock=True)
    if message.status not in WAITING:
        raise Conflict(msg("该留言已审核"))
    edited = _edited(message, title, body)
    found = personal_data(f"{message.title}\n{message.body}\n{message.display_name or ''}")
    if found:
        message.held_reasons = " ".join(found)
        raise _refuse("body", msg("留言仍含有个人信息（电话、身份证号或邮箱），请删去后再发布"))
    message.status, message.moderated_by = "published", user.id
    message.moderated_at = now or utcnow()
    message.moderation_note = clean_text(note)[:500] or None
    audit(
        session,
        _actor(user),
        "board.approve",
        f"message:{message.id}",
        {"held": message.held_reasons, "edited": edited},
    )
    return message


def reject_message(
    session: Session, user: User, message_id: int, *, reason: str, now: dt.datetime | None = None
) -> BoardMessage:
    """Refuse a waiting message with a reason (recorded, audited, never public)."""
    message = get_message(session, user, message_id, lock=True)
    if message.status not in WAITING:
        raise Conflict(msg("该留言已审核"))
    text = clean_text(reason)
    if not 2 <= len(text) <= 500:
        raise _refuse("reason", msg("请填写不予发布的理由（2–500 字）"))
    message.status, message.moderation_note = "rejected", text
    message.moderated_by, message.moderated_at = user.id, now or utcnow()
    audit(session, _actor(user), "board.reject", f"message:{message.id}", {"reason": text})
    return message


def answer_message(
    session: Session,
    user: User,
    message_id: int,
    *,
    answer: str,
    office: str,
    now: dt.datetime | None = None,
) -> BoardMessage:
    """Answer a published message publicly, signed by an office (科室), not a person."""
    message = get_message(session, user, message_id, lock=True)
    if message.status != "published":
        raise Conflict(msg("只能答复已发布的留言"))
    if message.answer is not None:
        raise Conflict(msg("该留言已答复"))
    text, signed = clean_text(answer), clean_text(office)
    if not 10 <= len(text) <= 4000:
        raise _refuse("answer", msg("答复内容须为 10–4000 字"))
    if not 2 <= len(signed) <= 60:
        raise _refuse("office", msg("请填写答复科室（2–60 字）"))
    if personal_data(text):
        raise _refuse("answer", msg("答复含有个人信息（电话、身份证号或邮箱），请删去后再发布"))
    message.answer, message.answer_office = text, signed
    message.answered_by, message.answered_at = user.id, now or utcnow()
    audit(session, _actor(user), "board.answer", f"message:{message.id}", {"office": signed})
    return message
