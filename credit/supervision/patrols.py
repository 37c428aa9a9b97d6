"""Patrols (巡查): a grid member records a patrol of their grid; problems found become cases."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import CHINA
from core.errors import Forbidden, Invalid
from core.messages import msg
from core.users import User
from credit.grids.lookup import grid_by_code
from credit.grids.models import Grid
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.models import Patrol, SupervisionCase
from credit.supervision.scope import scope_of
from credit.supervision.timeline import actor
from credit.tipoffs.timeline import clean_text

MAX_SOURCES = 200
MAX_PROBLEMS = 10
_CODE_RE = re.compile(r"^[0-9A-Za-z_\-.]{1,40}$")
_SPLIT_RE = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True)
class Problem:
    """One problem found on the patrol (becomes a case of origin ``patrol``)."""

    description: str
    case_class: str = "routine"
    point_source_code: str = ""
    latitude: str = ""
    longitude: str = ""


@dataclass(frozen=True)
class PatrolInput:
    """The patrol form: grid code, local start and end times, sources visited, notes."""

    grid_code: str
    started_at: str
    ended_at: str
    sources: str = ""
    notes: str = ""
    problems: Sequence[Problem] = field(default_factory=tuple)


def _local_time(value: str, name: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    """``2026-12-03T09:30`` (China time, as a datetime-local input sends it) in UTC."""
    text = clean_text(value)[:32].replace(" ", "T")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        errors[name] = [msg("时间格式应为 YYYY-MM-DDTHH:MM")]
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(dt.UTC)


def _source_codes(text: str, errors: dict[str, list[str]]) -> list[str]:
    codes = list(dict.fromkeys(c for c in _SPLIT_RE.split(clean_text(text)) if c))
    bad = [c for c in codes if not _CODE_RE.fullmatch(c)]
    if bad:
        errors["sources"] = [msg("污染源编码只能含字母、数字和 - _ .：%(code)s", code=bad[0][:40])]
    elif len(codes) > MAX_SOURCES:
        errors["sources"] = [msg("一次巡查最多记录 %(n)s 个污染源", n=MAX_SOURCES)]
    return codes


def _patrol_grid(session: Session, user: User, code: str) -> Grid:
    grid = grid_by_code(session, clean_text(code)[:32])
    if grid is None:
        message = msg("未找到网格 %(code)s", code=clean_text(code)[:32] or "-")
        raise Invalid(message, {"grid_code": [message]})
    if grid.id not in scope_of(session, user).grids:
        raise Forbidden(msg("只能记录您所在网格的巡查"))
    return grid


def record_patrol(
    session: Session, user: User, data: PatrolInput, *, now: dt.datetime | None = None
) -> tuple[Patrol, list[SupervisionCase]]:
    """Store a patrol and open one case per problem found, in the patrol's grid."""
    errors: dict[str, list[str]] = {}
    started = _local_time(data.started_at, "started_at", errors)
    ended = _local_time(data.ended_at, "ended_at", errors)
    if started and ended and ended < started:
        errors["ended_at"] = [msg("结束时间不能早于开始时间")]
    codes = _source_codes(data.sources, errors)
    notes = clean_text(data.notes)
    if len(notes) > 4000:
        errors["notes"] = [msg("内容不能超过 %(n)s 字", n=4000)]
    if len(data.problems) > MAX_PROBLEMS:
        errors["problems"] = [msg("一次最多记录 %(n)s 个问题", n=MAX_PROBLEMS)]
    if errors:
        raise Invalid(msg("请检查填写的内容"), errors)
    assert started is not None and ended is not None
    grid = _patrol_grid(session, user, data.grid_code)
    patrol = Patrol(
        user_id=user.id,
        grid_id=grid.id,
        started_at=started,
        ended_at=ended,
        source_codes="\n".join(codes),
        notes=notes or None,
    )
    session.add(patrol)
    session.flush()
    cases = [_problem_case(session, user, patrol, grid, p, now) for p in data.problems]
    audit(session, actor(user), "patrol.record", f"patrol:{patrol.id}", {"cases": len(cases)})
    return patrol, cases


def _problem_case(
    session: Session,
    user: User,
    patrol: Patrol,
    grid: Grid,
    problem: Problem,
    now: dt.datetime | None,
) -> SupervisionCase:
    lat, lon = clean_text(problem.latitude), clean_text(problem.longitude)
    return create_case(
        session,
        user,
        CaseInput(
            origin="patrol",
            case_class=problem.case_class,
            description=problem.description,
            latitude=lat or None,
            longitude=lon or None,
            grid_code="" if lat and lon else grid.code,
            point_source_code=problem.point_source_code,
            patrol_id=patrol.id,
        ),
        now=now,
    )


def list_patrols(session: Session, user: User, limit: int = 100) -> list[tuple[Patrol, str, str]]:
    """Recent patrols in the user's grids (region regulators: their region's), with grid and
    patroller names."""
    scope = scope_of(session, user)
    cond = (
        Patrol.grid_id.in_(scope.grids)
        if scope.grid_scoped
        else Grid.region_code.like(user.scope_prefix + "%")
    )
    stmt = (
        select(Patrol, Grid.name, User.name)
        .join(Grid, Grid.id == Patrol.grid_id)
        .join(User, User.id == Patrol.user_id)
        .where(cond)
        .order_by(Patrol.started_at.desc(), Patrol.id.desc())
        .limit(limit)
    )
    return [(p, g, u) for p, g, u in session.execute(stmt)]
