"""The to-do list (待办) of one regulator, scoped like the queues it draws from.

Tip-offs, reopen requests, adjustments, objections and repair applications are the user's
region's (``tipoffs.workflow.scope_condition``, the region prefix); supervision cases are
their grids' queue, or their region's for a regulator without a grid
(``supervision.scope``); overdue board messages and open data error reports are their
region's. Each row names what to do, its deadline and how many days it is late; the page
links each row to its action.
Reporter identity is never part of a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.clock import local_date
from core.db import utcnow
from core.users import User
from core.workdays import add_workdays
from credit.board.reports import overdue_messages
from credit.cases.adjustments import pending_adjustments
from credit.cases.objections import open_cases
from credit.data_errors.answering import reports_for
from credit.records.models import Enterprise
from credit.supervision.escalation import is_overdue, stage_due
from credit.supervision.models import SupervisionCase
from credit.supervision.queue import OPEN as OPEN_CASES
from credit.supervision.scope import scope_of
from credit.tipoffs.models import TipOff
from credit.tipoffs.tracking import effective_deadline
from credit.tipoffs.vocabulary import FINAL
from credit.tipoffs.workflow import deadline_expr, scope_condition

#: the sections of the list, most urgent first
KINDS = (
    "overdue",
    "due_soon",
    "new",
    "reopen",
    "transfer",
    "reward_approve",
    "reward_pay",
    "adjustment",
    "objection",
    "repair",
    "data_error",
    "board",
    "case",
)
#: "due soon": the deadline falls within this many China working days from today
SOON_WORKDAYS = 3
#: rows shown per section (the count says how many there are)
LIMIT = 50
#: tip-offs read at most for the three tip-off sections
TIPOFF_CAP = 2000
TITLE_CHARS = 60


@dataclass(frozen=True)
class TodoRow:
    """One thing to do: what (``subject`` and its ``ref``), a title, the deadline and how
    many days late it is (0 when not late)."""

    kind: str
    #: tipoff, adjustment, objection, repair, data_error, board or case: what the row's link
    #: opens
    subject: str
    #: the id (tip-off, adjustment, objection, repair, board message) or code (case)
    ref: str
    #: what people call it: a tracking code, case code or reference
    code: str
    title: str
    due: dt.date | None
    days_late: int


@dataclass(frozen=True)
class Workbench:
    """The to-do list: rows per section (at most :data:`LIMIT`) and each section's count."""

    today: dt.date
    soon_until: dt.date
    grid_scoped: bool
    rows: dict[str, list[TodoRow]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _late(due: dt.date | None, today: dt.date) -> int:
    return max(0, (today - due).days) if due is not None else 0


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def _tipoff_rows(
    session: Session, user: User, today: dt.date, soon_until: dt.date
) -> dict[str, list[TodoRow]]:
    """New (received), due soon and overdue open tip-offs; each report in one section."""
    stmt = (
        select(TipOff, Enterprise.name)
        .outerjoin(Enterprise, Enterprise.id == TipOff.enterprise_id)
        .where(
            scope_condition(user),
            TipOff.status.not_in(FINAL),
            or_(TipOff.status == "received", deadline_expr() <= soon_until),
        )
        .order_by(deadline_expr(), TipOff.id)
        .limit(TIPOFF_CAP)
    )
    out: dict[str, list[TodoRow]] = {"overdue": [], "due_soon": [], "new": []}
    for tipoff, name in session.execute(stmt):
        due = effective_deadline(tipoff)
        kind = "overdue" if due < today else "due_soon" if due <= soon_until else "new"
        title = _short(name or tipoff.enterprise_name or tipoff.location)
        out[kind].append(
            TodoRow(
                kind, "tipoff", str(tipoff.id), tipoff.tracking_code, title, due, _late(due, today)
            )
        )
    out["overdue"].sort(key=lambda r: (-r.days_late, int(r.ref)))
    return out


def _reopen_rows(session: Session, user: User) -> list[TodoRow]:
    stmt = (
        select(TipOff, Enterprise.name)
        .outerjoin(Enterprise, Enterprise.id == TipOff.enterprise_id)
        .where(
            scope_condition(user),
            TipOff.status.in_(FINAL),
            TipOff.reopen_requested_at.is_not(None),
        )
        .order_by(TipOff.reopen_requested_at, TipOff.id)
    )
    return [
        TodoRow(
            "reopen",
            "tipoff",
            str(t.id),
            t.tracking_code,
            _short(name or t.enterprise_name or t.location),
            None,
            0,
        )
        for t, name in session.execute(stmt)
    ]


def _credit_rows(session: Session, user: User, today: dt.date) -> dict[str, list[TodoRow]]:
    """Adjustments awaiting my approval (never my own proposals), open objections and
    repair applications with their answer deadlines."""
    prefix = user.scope_prefix
    adjustments = [
        TodoRow("adjustment", "adjustment", str(a.id), uscc, _short(name), None, 0)
        for a, uscc, name, _proposer in pending_adjustments(session, prefix)
        if a.proposed_by != user.id
    ]
    objections, repairs = open_cases(session, prefix)
    return {
        "adjustment": adjustments,
        "objection": [
            TodoRow(
                "objection",
                "objection",
                str(o.id),
                o.reference,
                _short(name),
                o.due_at,
                _late(o.due_at, today),
            )
            for o, _uscc, name in objections
        ],
        "repair": [
            TodoRow(
                "repair",
                "repair",
                str(r.id),
                r.reference,
                _short(name),
                r.due_at,
                _late(r.due_at, today),
            )
            for r, _decision_no, _uscc, name in repairs
        ],
    }


def _data_error_rows(session: Session, user: User, today: dt.date) -> list[TodoRow]:
    """Open data error reports (报告数据错误) of my region, by answer deadline."""
    return [
        TodoRow(
            "data_error",
            "data_error",
            str(row.report.id),
            row.report.reference,
            _short(row.name),
            row.report.due_on,
            _late(row.report.due_on, today),
        )
        for row in reports_for(session, user)
    ]


def _case_rows(session: Session, user: User, now: dt.datetime) -> tuple[list[TodoRow], bool]:
    """Open supervision cases of my grids' queue (or my region's), overdue first."""
    scope = scope_of(session, user)
    where = scope.queue_condition() if scope.grid_scoped else scope.condition()
    cases = session.scalars(
        select(SupervisionCase)
        .where(where, SupervisionCase.status.in_(OPEN_CASES))
        .order_by(SupervisionCase.id)
    )
    rows = []
    for c in cases:
        due = stage_due(c)
        late = -(-(now - due) // dt.timedelta(days=1)) if due and is_overdue(c, now) else 0
        rows.append(
            TodoRow(
                "case",
                "case",
                c.code,
                c.code,
                _short(c.description),
                local_date(due) if due else None,
                late,
            )
        )
    rows.sort(key=lambda r: (-r.days_late, r.due or dt.date.max, r.ref))
    return rows, scope.grid_scoped


def _transfer_and_reward_rows(
    session: Session, user: User, today: dt.date
) -> dict[str, list[TodoRow]]:
    """Transfers awaiting my acknowledgement; rewards awaiting my approval (proposed by
    someone else) and approved rewards awaiting payment, in my region."""
    from credit.rewards.workflow import awaiting
    from credit.transfers.listing import list_transfers

    incoming = [
        TodoRow(
            "transfer",
            "tipoff",
            str(t.tipoff.id),
            t.tipoff.tracking_code,
            _short(t.from_name),
            t.deadline,
            _late(t.deadline, today),
        )
        for t in list_transfers(session, user, today)["incoming"]
    ]
    rewards = awaiting(session, user)

    def reward_rows(kind: str, items: list[dict[str, Any]]) -> list[TodoRow]:
        return [
            TodoRow(
                kind,
                "tipoff",
                str(i["reward"].tipoff_id),
                i["code"],
                f"¥{i['reward'].amount}",
                None,
                0,
            )
            for i in items
        ]

    return {
        "transfer": incoming,
        "reward_approve": reward_rows("reward_approve", rewards["approve"]),
        "reward_pay": reward_rows("reward_pay", rewards["pay"]),
    }


def workbench(session: Session, user: User, now: dt.datetime | None = None) -> Workbench:
    """What ``user`` must do now, section by section (:data:`KINDS`), in their scope."""
    now = now or utcnow()
    today = local_date(now)
    soon_until = add_workdays(today, SOON_WORKDAYS)
    sections: dict[str, list[TodoRow]] = {
        **_tipoff_rows(session, user, today, soon_until),
        "reopen": _reopen_rows(session, user),
        **_credit_rows(session, user, today),
    }
    sections["data_error"] = _data_error_rows(session, user, today)
    sections["board"] = [
        TodoRow("board", "board", str(m.id), str(m.id), _short(m.title), m.due_on, m.days_late)
        for m in overdue_messages(session, user, today=today)
    ]
    sections.update(_transfer_and_reward_rows(session, user, today))
    sections["case"], grid_scoped = _case_rows(session, user, now)
    return _assemble(today, soon_until, grid_scoped, sections)


def _assemble(
    today: dt.date, soon_until: dt.date, grid_scoped: bool, sections: dict[str, list[TodoRow]]
) -> Workbench:
    bench = Workbench(today, soon_until, grid_scoped)
    for kind in KINDS:
        rows: Iterable[TodoRow] = sections.get(kind, [])
        listed = list(rows)
        bench.counts[kind] = len(listed)
        bench.rows[kind] = listed[:LIMIT]
    return bench
