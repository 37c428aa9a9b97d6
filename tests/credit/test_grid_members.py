"""`flask grids assign/unassign`: members with roles, audited; bad input answered clearly."""

from __future__ import annotations

from sqlalchemy import select

from core.audit import AuditEvent
from credit.grids.models import GridMember
from tests.factories import create_grid, create_regulator


def _setup(session):
    grid = create_grid(session, "ZY-01")
    create_regulator(session, "wang@example.cn", region="620102")
    create_regulator(session, "far@example.cn", region="620103")
    session.commit()
    return grid


def _roles(session):
    session.rollback()
    return [m.role for m in session.scalars(select(GridMember))]


def test_assign_then_change_role_then_unassign(runner, session):
    _setup(session)
    base = ["grids", "assign", "--grid", "ZY-01", "--user", "Wang@Example.cn"]
    result = runner.invoke(args=[*base, "--role", "leader"])
    assert result.exit_code == 0, result.output
    assert "网格长" in result.output
    assert _roles(session) == ["leader"]
    assert runner.invoke(args=[*base, "--role", "volunteer"]).exit_code == 0
    assert _roles(session) == ["volunteer"]
    result = runner.invoke(
        args=["grids", "unassign", "--grid", "ZY-01", "--user", "wang@example.cn"]
    )
    assert result.exit_code == 0, result.output
    assert _roles(session) == []
    actions = list(
        session.scalars(select(AuditEvent.action).where(AuditEvent.subject == "grid:ZY-01"))
    )
    assert actions == ["grids.assign", "grids.assign", "grids.unassign"]


def test_unknown_role_grid_user_are_refused(runner, session):
    _setup(session)
    bad_role = runner.invoke(
        args=["grids", "assign", "--grid", "ZY-01", "--user", "wang@example.cn", "--role", "网格长"]
    )
    assert bad_role.exit_code == 2 and "leader" in bad_role.output
    no_grid = runner.invoke(
        args=[
            "grids",
            "assign",
            "--grid",
            "无此网格",
            "--user",
            "wang@example.cn",
            "--role",
            "leader",
        ]
    )
    assert no_grid.exit_code == 1 and "未找到编码为 无此网格 的网格" in no_grid.output
    no_user = runner.invoke(
        args=["grids", "assign", "--grid", "ZY-01", "--user", "nobody@x.cn", "--role", "leader"]
    )
    assert no_user.exit_code == 1 and "nobody@x.cn" in no_user.output
    assert _roles(session) == []


def test_a_user_of_another_region_cannot_join(runner, session):
    _setup(session)
    result = runner.invoke(
        args=["grids", "assign", "--grid", "ZY-01", "--user", "far@example.cn", "--role", "officer"]
    )
    assert result.exit_code == 1 and "620103" in result.output
    assert _roles(session) == []


def test_unassign_of_a_non_member_says_so(runner, session):
    _setup(session)
    result = runner.invoke(
        args=["grids", "unassign", "--grid", "ZY-01", "--user", "wang@example.cn"]
    )
    assert result.exit_code == 1 and "不是网格 ZY-01 的成员" in result.output
