"""Who sees and acts on which case.

A user who is a member of any grid is grid-scoped: they see and act on the cases placed in
their grids and the grids below them, and on the cases escalated to their grids. A user
with no grid membership is a region regulator: they see their region's cases (a national
administrator's region is everywhere), unplaced ones included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from core.errors import Forbidden, NotFound
from core.messages import msg
from core.users import User
from credit.grids.lookup import member_grid_ids
from credit.grids.models import GridMember
from credit.supervision.models import SupervisionCase

MAX_CODE = 40


@dataclass(frozen=True)
class Scope:
    """What one user answers for: grid ids (grid members) or a region prefix."""

    user: User
    #: grids the user is a member of, without descendants (their queue)
    own_grids: frozenset[int]
    #: those grids with every grid below them (what they see)
    grids: frozenset[int]

    @property
    def grid_scoped(self) -> bool:
        return bool(self.own_grids)

    def covers(self, case: SupervisionCase) -> bool:
        """True if the user may see and act on ``case``."""
        if self.grid_scoped:
            return case.grid_id in self.grids or case.handling_grid_id in self.grids
        return self.user.may_act_in(case.region_code) or self.user.scope_prefix == ""

    def condition(self) -> Any:
        """The SQL form of :meth:`covers`."""
        if self.grid_scoped:
            return or_(
                SupervisionCase.grid_id.in_(self.grids),
                SupervisionCase.handling_grid_id.in_(self.grids),
            )
        return SupervisionCase.region_code.like(self.user.scope_prefix + "%")

    def queue_condition(self) -> Any:
        """Cases whose handling grid is one of the user's own grids (their to-do list)."""
        if not self.grid_scoped:
            return false()
        return SupervisionCase.handling_grid_id.in_(self.own_grids)


def scope_of(session: Session, user: User) -> Scope:
    """The user's scope."""
    own = frozenset(
        session.scalars(select(GridMember.grid_id).where(GridMember.user_id == user.id))
    )
    grids = frozenset(member_grid_ids(session, user.id)) if own else frozenset()
    return Scope(user, own, grids)


def get_case(session: Session, user: User, code: str, *, lock: bool = False) -> SupervisionCase:
    """The case with this code inside the user's scope (NotFound / Forbidden otherwise)."""
    text = (code or "").strip().upper()[:MAX_CODE]
    stmt = select(SupervisionCase).where(SupervisionCase.code == text)
    case = session.scalar(stmt.with_for_update() if lock else stmt) if text else None
    if case is None:
        raise NotFound(msg("未找到问题线索 %(code)s", code=text or "-"))
    if not scope_of(session, user).covers(case):
        raise Forbidden(msg("该问题线索不在您的网格或辖区内"))
    return case
