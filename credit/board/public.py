"""What the public board shows: published messages with their answers, paged; one message.

Only these fields leave the service (a dict, not the row): nothing about moderation, the
staff who acted or the links to tip-offs and cases (a tip-off's existence is shown, not its
code, since the board's poster does not hold its secret)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import local_date
from core.errors import NotFound
from core.messages import msg
from credit.board.models import BoardMessage
from credit.board.moderation import MAX_ID

PAGE_SIZE = 20
PUBLIC_FIELDS = (
    "id",
    "region_code",
    "category",
    "title",
    "body",
    "display_name",
    "answer",
    "answer_office",
    "answer_due_on",
)


def public_view(message: BoardMessage) -> dict[str, Any]:
    """The public fields of a published message, with its dates as China days."""
    view: dict[str, Any] = {name: getattr(message, name) for name in PUBLIC_FIELDS}
    view["posted_on"] = local_date(message.created_at)
    view["answered_on"] = local_date(message.answered_at) if message.answered_at else None
    view["referred"] = message.tipoff_id is not None or message.case_id is not None
    return view


def list_published(
    session: Session, *, page: int = 1, answered: bool | None = None
) -> dict[str, Any]:
    """One page of published messages, the newest first, with the number of pages."""
    where = [BoardMessage.status == "published"]
    if answered is not None:
        where.append(
            BoardMessage.answer.is_not(None) if answered else BoardMessage.answer.is_(None)
        )
    total = session.scalar(select(func.count()).select_from(BoardMessage).where(*where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        select(BoardMessage)
        .where(*where)
        .order_by(BoardMessage.created_at.desc(), BoardMessage.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return {"items": [public_view(m) for m in rows], "page": page, "pages": pages, "total": total}


def published_message(session: Session, message_id: int) -> dict[str, Any]:
    """One published message (NotFound for any other, so waiting ones do not leak)."""
    found = session.get(BoardMessage, message_id) if 0 < message_id <= MAX_ID else None
    if found is None or found.status != "published":
        raise NotFound(msg("未找到留言 %(id)s", id=message_id))
    return public_view(found)


def is_late(view: dict[str, Any], today: dt.date) -> bool:
    """Unanswered past its deadline."""
    return view["answer"] is None and today > view["answer_due_on"]
