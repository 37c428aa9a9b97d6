"""What the workbench and /stats read of the board: overdue messages of a scope, and a
region's monthly figures (received, answered, on time, the three-month failures)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import CHINA, local_date
from core.clock import today as china_today
from core.errors import Invalid
from core.messages import msg
from core.reference import region_prefix
from core.users import User
from credit.board.config import board_rules
from credit.board.models import BoardMessage

#: states in which a message still waits for its answer
OPEN = ("pending", "held", "published")
OVERDUE_LIMIT = 200


@dataclass(frozen=True)
class OverdueMessage:
    """One message past its answer deadline, for the workbench."""

    id: int
    title: str
    status: str
    region_code: str
    due_on: dt.date
    days_late: int


def _prefix(scope: User | str) -> str:
    return scope.scope_prefix if isinstance(scope, User) else region_prefix(scope) if scope else ""


def overdue_messages(
    session: Session, scope: User | str, *, today: dt.date | None = None
) -> list[OverdueMessage]:
    """Messages of ``scope`` (a user's region, or a region code; "" = everywhere) that are
    not answered by their deadline, the latest first; waiting moderation counts too."""
    today = today or china_today()
    rows = session.scalars(
        select(BoardMessage)
        .where(
            BoardMessage.status.in_(OPEN),
            BoardMessage.answer.is_(None),
            BoardMessage.answer_due_on < today,
            BoardMessage.region_code.startswith(_prefix(scope)),
        )
        .order_by(BoardMessage.answer_due_on, BoardMessage.id)
        .limit(OVERDUE_LIMIT)
    )
    return [
        OverdueMessage(
            m.id, m.title, m.status, m.region_code, m.answer_due_on, (today - m.answer_due_on).days
        )
        for m in rows
    ]


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=CHINA)
    except ValueError as exc:
        raise Invalid(
            msg("月份格式应为 YYYY-MM"), {"month": [msg("月份格式应为 YYYY-MM")]}
        ) from exc
    return first.astimezone(dt.UTC), (first + relativedelta(months=1)).astimezone(dt.UTC)


FIGURES = ("received", "valid", "answered", "on_time", "overdue", "failures")


def _tally(figures: dict[str, int], m: BoardMessage, today: dt.date, months: relativedelta) -> None:
    figures["received"] += 1
    if m.status == "rejected":
        return
    figures["valid"] += 1
    limit = local_date(m.created_at) + months
    if m.answered_at is not None:
        answered = local_date(m.answered_at)
        figures["answered"] += 1
        figures["on_time"] += answered <= m.answer_due_on
        figures["failures"] += answered > limit
    else:
        figures["overdue"] += today > m.answer_due_on
        figures["failures"] += today > limit


def _received(session: Session, region: str, month: str) -> list[BoardMessage]:
    start, end = _month_bounds(month)
    return list(
        session.scalars(
            select(BoardMessage).where(
                BoardMessage.created_at >= start,
                BoardMessage.created_at < end,
                BoardMessage.region_code.startswith(_prefix(region)),
            )
        )
    )


def board_stats(
    session: Session, region: str, month: str, *, today: dt.date | None = None
) -> dict[str, int]:
    """Messages received in ``month`` (YYYY-MM, China time) in ``region`` ("" = all):
    received, valid (not refused), answered, answered on time, overdue now (valid, open,
    past the deadline) and failures (valid and unanswered ``failure_months`` after receipt)."""
    rows = _received(session, region, month)
    today = today or china_today()
    months = relativedelta(months=board_rules().failure_months)
    figures = dict.fromkeys(FIGURES, 0)
    for m in rows:
        _tally(figures, m, today, months)
    return figures


def board_stats_by_region(
    session: Session, month: str, *, today: dt.date | None = None
) -> dict[str, dict[str, int]]:
    """:func:`board_stats` of every region code that received a message in ``month``."""
    rows = _received(session, "", month)
    today = today or china_today()
    months = relativedelta(months=board_rules().failure_months)
    out: dict[str, dict[str, int]] = {}
    for m in rows:
        _tally(out.setdefault(m.region_code, dict.fromkeys(FIGURES, 0)), m, today, months)
    return out
