"""Grid members: a user's role in a grid (网格长, 网格员, 协管员, 志愿者)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts import find_user
from core.audit import audit
from core.errors import Invalid, NotFound
from core.messages import Msg, msg
from core.users import User
from credit.grids.lookup import grid_by_code
from credit.grids.models import GRID_ROLES, Grid, GridMember
from credit.grids.scope import require_editor, visible_grid

#: zh-CN names of the roles (CONTRACT: `grids assign --role`), their English beside them
ROLE_LABELS = {
    "leader": "网格长",
    "officer": "网格员",
    "assistant": "协管员",
    "volunteer": "志愿者",
}
ROLE_LABELS_EN = {
    "leader": "grid leader",
    "officer": "grid officer",
    "assistant": "assistant",
    "volunteer": "volunteer",
}


def role_label(role: str) -> Msg:
    """A role's name in both languages (pages show theirs with ``in_lang``)."""
    return Msg(ROLE_LABELS.get(role, role), ROLE_LABELS_EN.get(role, role))


def find_grid(session: Session, code: str) -> Grid:
    """The grid ``code``; NotFound otherwise."""
    grid = grid_by_code(session, code.strip())
    if grid is None:
        raise NotFound(msg("未找到编码为 %(code)s 的网格", code=code.strip()))
    return grid


def _grid_for(session: Session, code: str, editor: User | None) -> Grid:
    """The grid to change: any for the operator, one in the editor's scope they may edit."""
    if editor is None:
        return find_grid(session, code)
    grid = visible_grid(session, editor, code.strip())
    require_editor(session, editor, grid)
    return grid


def _check_role(role: str) -> None:
    if role not in GRID_ROLES:
        raise Invalid(
            msg("未知的网格角色：%(role)s", role=role[:40]), {"role": [", ".join(GRID_ROLES)]}
        )


def assign_member(
    session: Session, code: str, email: str, role: str, actor: str, editor: User | None = None
) -> GridMember:
    """Make the user with ``email`` a member of grid ``code`` with ``role`` (a member already
    there changes role). ``editor`` is the regulator acting on a page (None: the operator)."""
    _check_role(role)
    grid = _grid_for(session, code, editor)
    user = find_user(session, email)
    if not user.may_act_in(grid.region_code):
        raise Invalid(
            msg(
                "该用户的地区 %(user)s 不包含网格所在地区 %(grid)s",
                user=user.region_code,
                grid=grid.region_code,
            ),
            {"email": [msg("用户不属于该地区")]},
        )
    member = session.scalar(
        select(GridMember).where(GridMember.grid_id == grid.id, GridMember.user_id == user.id)
    )
    before = member.role if member else None
    if member is None:
        member = GridMember(grid_id=grid.id, user_id=user.id, role=role)
        session.add(member)
    member.role = role
    session.flush()
    if before != role:
        audit(
            session,
            actor,
            "grids.assign",
            f"grid:{grid.code}",
            {"user_id": user.id, "role": role, "previous": before},
        )
    return member


def unassign_member(
    session: Session, code: str, email: str, actor: str, editor: User | None = None
) -> None:
    """Remove the user with ``email`` from grid ``code``; NotFound if not a member."""
    grid = _grid_for(session, code, editor)
    user = find_user(session, email)
    member = session.scalar(
        select(GridMember).where(GridMember.grid_id == grid.id, GridMember.user_id == user.id)
    )
    if member is None:
        raise NotFound(msg("该用户不是网格 %(code)s 的成员", code=grid.code))
    session.delete(member)
    session.flush()
    audit(
        session,
        actor,
        "grids.unassign",
        f"grid:{grid.code}",
        {"user_id": user.id, "role": member.role},
    )


def grid_members(session: Session, grid_id: int) -> list[tuple[GridMember, User]]:
    """A grid's members with their users, in role order then name."""
    rows = session.execute(
        select(GridMember, User)
        .join(User, User.id == GridMember.user_id)
        .where(GridMember.grid_id == grid_id)
    )
    order = {r: i for i, r in enumerate(GRID_ROLES)}
    return sorted(rows, key=lambda mu: (order[mu[0].role], mu[1].name, mu[1].id))


def member_counts(session: Session, grid_ids: list[int]) -> dict[int, int]:
    """How many members each grid has."""
    if not grid_ids:
        return {}
    rows = session.execute(
        select(GridMember.grid_id, func.count())
        .where(GridMember.grid_id.in_(grid_ids))
        .group_by(GridMember.grid_id)
    )
    return {grid_id: count for grid_id, count in rows}
