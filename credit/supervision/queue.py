"""Reading cases: the queue (my grids' cases by class and age, overdue first) and one case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.actors import actor_names
from core.db import utcnow
from core.errors import NotFound
from core.messages import msg
from core.users import User
from credit.grids.models import Grid
from credit.supervision.escalation import is_overdue, stage_due
from credit.supervision.models import (
    CASE_CLASSES,
    CASE_STATUSES,
    CaseEvent,
    CaseEvidence,
    SupervisionCase,
)
from credit.supervision.scope import get_case, scope_of
from credit.tipoffs.models import TipOff
from credit.tipoffs.workflow import in_scope

PAGE_SIZE = 50
OPEN = ("found", "dispatched", "rectifying", "reported", "verified")
VIEWS = ("mine", "all")


@dataclass
class CaseFilter:
    """The queue's filters; unknown values mean 'no filter'."""

    view: str = "mine"
    status: str = ""
    case_class: str = ""
    overdue: bool = False
    page: int = 1

    def cleaned(self) -> CaseFilter:
        return CaseFilter(
            view=self.view if self.view in VIEWS else "mine",
            status=self.status if self.status in CASE_STATUSES else "",
            case_class=self.case_class if self.case_class in CASE_CLASSES else "",
            overdue=bool(self.overdue),
            page=min(max(int(self.page or 1), 1), 10_000),
        )


@dataclass(frozen=True)
class CaseRow:
    case: SupervisionCase
    grid_name: str | None
    due: dt.datetime | None
    overdue: bool
    age_days: int


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    filters: CaseFilter
    has_next: bool
    grid_scoped: bool


def _stage_due() -> Any:
    return when(
        (SupervisionCase.status == "found", SupervisionCase.dispatch_due_at),
        (SupervisionCase.status.in_(("dispatched", "rectifying")), SupervisionCase.rectify_due_at),
        (SupervisionCase.status == "reported", SupervisionCase.verify_due_at),
        else_=None,
    )


def list_cases(
    session: Session, user: User, filters: CaseFilter, now: dt.datetime | None = None
) -> CasePage:
    """Cases in the user's scope: overdue first, then by class (重大 first) and age."""
    f, now = filters.cleaned(), now or utcnow()
    scope = scope_of(session, user)
    view = f.view if scope.grid_scoped else "all"
    conds: list[Any] = [scope.condition()]
    if view == "mine":
        conds.append(scope.queue_condition())
    conds.append(
        SupervisionCase.status == f.status if f.status else SupervisionCase.status.in_(OPEN)
    )
    if f.case_class:
        conds.append(SupervisionCase.case_class == f.case_class)
    overdue = _stage_due() < now
    if f.overdue:
        conds.append(overdue)
    rank = when(
        {"critical": 4, "major": 3, "general": 2, "routine": 1}, value=SupervisionCase.case_class
    )
    total = session.scalar(select(func.count()).select_from(SupervisionCase).where(*conds)) or 0
    stmt = (
        select(SupervisionCase, Grid.name)
        .outerjoin(Grid, Grid.id == SupervisionCase.handling_grid_id)
        .where(*conds)
        .order_by(
            when((overdue, 0), else_=1), rank.desc(), SupervisionCase.created_at, SupervisionCase.id
        )
        .offset((f.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = [
        CaseRow(c, name, stage_due(c), is_overdue(c, now), (now - c.created_at).days)
        for c, name in session.execute(stmt)
    ]
    f.view = view
    return CasePage(rows, total, f, f.page * PAGE_SIZE < total, scope.grid_scoped)


def case_detail(
    session: Session, user: User, code: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """One case with its timeline, evidence and grids (no reporter identity: cases hold none)."""
    case = get_case(session, user, code)
    now = now or utcnow()
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id)
    ).all()
    evidence = session.scalars(
        select(CaseEvidence).where(CaseEvidence.case_id == case.id).order_by(CaseEvidence.id)
    ).all()
    return {
        "case": case,
        "events": events,
        "evidence": evidence,
        "grid": session.get(Grid, case.grid_id) if case.grid_id else None,
        "handling": session.get(Grid, case.handling_grid_id) if case.handling_grid_id else None,
        "due": stage_due(case),
        "overdue": is_overdue(case, now),
        "may_verify": case.status == "reported" and case.reported_by != user.id,
        "tipoff": _visible_tipoff(session, user, case),
        "actors": actor_names(session, [e.actor for e in events]),
    }


def _visible_tipoff(session: Session, user: User, case: SupervisionCase) -> dict[str, Any] | None:
    """The case's tip-off (id and tracking code only) when the user may open it on the
    tip-off pages (its region); the case page itself never carries reporter fields."""
    tipoff = session.get(TipOff, case.tipoff_id) if case.tipoff_id else None
    if tipoff is None or not in_scope(user, tipoff.region_code):
        return None
    return {"id": tipoff.id, "tracking_code": tipoff.tracking_code}


def get_evidence(session: Session, user: User, code: str, evidence_id: int) -> CaseEvidence:
    """One evidence file of a case in the user's scope."""
    case = get_case(session, user, code)
    item = session.get(CaseEvidence, evidence_id) if 0 < evidence_id <= 2**31 - 1 else None
    if item is None or item.case_id != case.id:
        raise NotFound(msg("未找到证据文件 %(id)s", id=evidence_id))
    return item


@dataclass(frozen=True)
class CasePoint:
    """An open case on a map: where, which class, how old, whether overdue."""

    code: str
    case_class: str
    status: str
    latitude: float
    longitude: float
    age_days: int
    overdue: bool


def _points(stmt: Any, now: dt.datetime) -> list[CasePoint]:
    return [
        CasePoint(
            c.code,
            c.case_class,
            c.status,
            float(c.latitude or 0),
            float(c.longitude or 0),
            (now - c.created_at).days,
            is_overdue(c, now),
        )
        for c in stmt
    ]


def _open_with_coordinates(*conditions: Any, limit: int) -> Any:
    return (
        select(SupervisionCase)
        .where(
            *conditions,
            SupervisionCase.status.in_(OPEN),
            SupervisionCase.latitude.is_not(None),
            SupervisionCase.longitude.is_not(None),
        )
        .order_by(SupervisionCase.id)
        .limit(limit)
    )


def open_case_points(
    session: Session, user: User, now: dt.datetime | None = None, limit: int = 5000
) -> list[CasePoint]:
    """Open cases in the user's scope that have coordinates (for the regulators' map)."""
    now = now or utcnow()
    stmt = _open_with_coordinates(scope_of(session, user).condition(), limit=limit)
    return _points(session.scalars(stmt), now)


def open_cases_in_grids(
    session: Session, grid_ids: set[int], now: dt.datetime | None = None, limit: int = 5000
) -> list[CasePoint]:
    """Open cases with coordinates placed in, or escalated to, any of ``grid_ids`` (a grid
    map's subtree; the caller has checked that the user sees that grid)."""
    now = now or utcnow()
    if not grid_ids:
        return []
    in_grids = or_(
        SupervisionCase.grid_id.in_(grid_ids), SupervisionCase.handling_grid_id.in_(grid_ids)
    )
    stmt = _open_with_coordinates(in_grids, limit=limit)
    return _points(session.scalars(stmt), now)


def open_case_counts(session: Session) -> dict[str, int]:
    """Open cases (not yet closed) per class, every class named (0 when none)."""
    from credit.supervision.models import CASE_CLASSES

    rows = session.execute(
        select(SupervisionCase.case_class, func.count())
        .where(SupervisionCase.status.in_(OPEN))
        .group_by(SupervisionCase.case_class)
    ).all()
    return {**dict.fromkeys(CASE_CLASSES, 0), **{c: int(n) for c, n in rows}}


def overdue_case_count(session: Session, now: dt.datetime | None = None) -> int:
    """Open cases whose current stage is past its deadline."""
    overdue = _stage_due() < (now or utcnow())
    return int(session.scalar(select(func.count()).where(overdue)) or 0)
