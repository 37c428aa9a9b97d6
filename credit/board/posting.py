"""Posting a message: checked, stored as waiting for moderation (held when the text holds
personal data), with its answer deadline from the board's rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import local_date
from core.db import utcnow
from core.errors import Invalid
from core.messages import msg
from core.reference import resolve_region
from credit.board.config import CATEGORIES, board_rules
from credit.board.models import BoardMessage
from credit.board.personal_data import personal_data
from credit.tipoffs.timeline import clean_text


@dataclass(frozen=True)
class MessageInput:
    """What a citizen typed into the board's form."""

    category: str = ""
    title: str = ""
    body: str = ""
    region_code: str = ""
    display_name: str = ""


def check_message(session: Session, data: MessageInput) -> dict[str, object]:
    """Every rule a message must meet (reads only): the values to store, or Invalid."""
    errors: dict[str, list[str]] = {
        name: [msg("不允许空字符")]
        for name, value in vars(data).items()
        if isinstance(value, str) and "\x00" in value
    }
    if errors:
        raise Invalid(msg("留言含有不允许的字符"), errors)
    values: dict[str, object] = {"category": clean_text(data.category)}
    if values["category"] not in CATEGORIES:
        errors["category"] = [msg("请选择留言类别：咨询、建议或批评")]
    values["title"] = title = clean_text(data.title)
    if not 4 <= len(title) <= 100:
        errors["title"] = [msg("标题须为 4–100 字")]
    values["body"] = body = clean_text(data.body)
    if not 10 <= len(body) <= 2000:
        errors["body"] = [msg("留言内容须为 10–2000 字")]
    name = clean_text(data.display_name)
    if len(name) > 40:
        errors["display_name"] = [msg("署名不能超过 40 字")]
    values["display_name"] = name or None
    code = clean_text(data.region_code)[:12]
    if not code:
        errors["region_code"] = [msg("请选择留言对象所在地区")]
    else:
        try:
            values["region_code"] = resolve_region(session, code).code
        except Invalid as exc:
            errors.update(exc.errors or {"region_code": [exc.message]})
    if errors:
        raise Invalid(msg("留言内容有误，请修改后重新提交"), errors)
    return values


def post_message(
    session: Session, data: MessageInput, *, now: dt.datetime | None = None
) -> BoardMessage:
    """Store a citizen's message; it shows only once a moderator has approved it."""
    values = check_message(session, data)
    now = now or utcnow()
    found = personal_data(f"{values['title']}\n{values['body']}\n{values['display_name'] or ''}")
    rule = board_rules().categories[str(values["category"])]
    message = BoardMessage(
        **values,
        status="held" if found else "pending",
        held_reasons=" ".join(found) or None,
        created_at=now,
        answer_due_on=rule.answer_due(local_date(now)),
    )
    session.add(message)
    session.flush()
    audit(
        session,
        "public",
        "board.post",
        f"message:{message.id}",
        {"category": message.category, "region": message.region_code, "held": found},
    )
    return message
