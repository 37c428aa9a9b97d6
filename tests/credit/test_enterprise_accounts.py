"""Enterprise accounts: one-time activation codes, the legal representative's name, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.users import User, create_user
from credit.enterprise_accounts.activation import (
    ACTIVATION_DAYS,
    activate,
    issue_code,
    manager_issues_code,
    members,
    regulator_issues_code,
    set_member_active,
)
from credit.enterprise_accounts.dashboard import enterprise_dashboard, own_enterprise
from tests.factories import create_enterprise

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _keys(app_context):
    """Codes are keyed hashes: the app's key."""


def _activate(session, ent, code, **overrides):
    values = {
        "uscc": ent.uscc,
        "code": code,
        "legal_representative": "张三",
        "name": "李四",
        "email": f"li{code[:4].lower()}@example.cn",
        "password": PASSWORD,
    }
    values.update(overrides)
    return activate(session, **values)


def test_a_code_opens_one_manager_account_once(session):
    ent = create_enterprise(session)
    code = issue_code(session, ent, "enterprise_manager", "cli:test")
    assert len(code) == 19 and code.count("-") == 3
    user = _activate(session, ent, code.lower().replace("-", " "))  # typed loosely
    assert (user.role, user.enterprise_id, user.region_code) == (
        "enterprise_manager",
        ent.id,
        ent.region_code,
    )
    assert user.is_enterprise_user
    with pytest.raises(Invalid) as refused:
        _activate(session, ent, code, email="other@example.cn")
    assert "activation_code" in refused.value.errors


def test_a_code_expires_and_belongs_to_its_enterprise(session):
    ent, other = create_enterprise(session), create_enterprise(session)
    issued = utcnow() - dt.timedelta(days=ACTIVATION_DAYS + 1)
    old = issue_code(session, ent, "enterprise_manager", "cli:test", now=issued)
    with pytest.raises(Invalid):
        _activate(session, ent, old)
    code = issue_code(session, ent, "enterprise_manager", "cli:test")
    with pytest.raises(Invalid):
        _activate(session, other, code)  # someone else's USCC
    with pytest.raises(NotFound):
        _activate(session, ent, code, uscc="91620100MA00000000")
    assert _activate(session, ent, code).enterprise_id == ent.id


def test_the_legal_representatives_name_must_match_the_registry(session):
    ent = create_enterprise(session, legal_representative="王 小明")
    code = issue_code(session, ent, "enterprise_manager", "cli:test")
    with pytest.raises(Invalid) as wrong:
        _activate(session, ent, code, legal_representative="王小红")
    assert "legal_representative" in wrong.value.errors
    # the code was not spent by the refused attempt; spaces and full-width forms don't matter
    assert _activate(session, ent, code, legal_representative="王小明").role == (
        "enterprise_manager"
    )
    nameless = create_enterprise(session, legal_representative=None)
    code = issue_code(session, nameless, "enterprise_manager", "cli:test")
    with pytest.raises(Invalid):
        _activate(session, nameless, code, legal_representative="")


def test_bad_account_data_stores_nothing_and_keeps_the_code(session):
    ent = create_enterprise(session)
    code = issue_code(session, ent, "enterprise_manager", "cli:test")
    session.commit()
    with pytest.raises(Invalid):
        _activate(session, ent, code, password="short")
    session.rollback()
    create_user(
        session,
        email="taken@example.cn",
        name="x",
        role="regulator",
        region_code="620100",
        password=PASSWORD,
    )
    with pytest.raises(Conflict):
        _activate(session, ent, code, email="taken@example.cn")
    session.rollback()
    assert session.scalar(select(User).where(User.enterprise_id == ent.id)) is None
    assert _activate(session, ent, code).enterprise_id == ent.id


def test_regulators_issue_codes_only_in_their_region(session):
    ent = create_enterprise(session, region_code="620100")
    regulator = create_user(
        session,
        email="r@example.cn",
        name="r",
        role="regulator",
        region_code="620100",
        password=PASSWORD,
    )
    elsewhere = create_user(
        session,
        email="s@example.cn",
        name="s",
        role="regulator",
        region_code="610100",
        password=PASSWORD,
    )
    found, code = regulator_issues_code(session, regulator, ent.uscc)
    assert found.id == ent.id and _activate(session, ent, code).role == "enterprise_manager"
    with pytest.raises(Forbidden):
        regulator_issues_code(session, elsewhere, ent.uscc)


def test_a_manager_adds_filers_of_its_own_enterprise_and_deactivates_them(session):
    ent, other = create_enterprise(session), create_enterprise(session)
    manager = _activate(session, ent, issue_code(session, ent, "enterprise_manager", "cli:t"))
    filer = _activate(
        session, ent, manager_issues_code(session, manager, "enterprise_filer"), email="f@x.cn"
    )
    assert filer.role == "enterprise_filer" and filer.enterprise_id == ent.id
    with pytest.raises(Forbidden):
        manager_issues_code(session, filer, "enterprise_filer")  # a filer adds nobody
    with pytest.raises(Invalid):
        manager_issues_code(session, manager, "admin")
    assert {u.id for u in members(session, manager)} == {manager.id, filer.id}
    outsider = _activate(
        session, other, issue_code(session, other, "enterprise_manager", "cli:t"), email="o@x.cn"
    )
    with pytest.raises(NotFound):
        set_member_active(session, outsider, filer.id, False)  # not its enterprise
    with pytest.raises(Forbidden):
        set_member_active(session, manager, manager.id, False)
    assert set_member_active(session, manager, filer.id, False).active is False


def test_the_database_binds_enterprise_roles_to_an_enterprise(session):
    ent = create_enterprise(session)
    with pytest.raises(Invalid):
        create_user(
            session,
            email="a@x.cn",
            name="a",
            role="enterprise_filer",
            region_code="620100",
            password=PASSWORD,
        )
    with pytest.raises(Invalid):
        create_user(
            session,
            email="b@x.cn",
            name="b",
            role="regulator",
            region_code="620100",
            password=PASSWORD,
            enterprise_id=ent.id,
        )
    user = create_user(
        session,
        email="c@x.cn",
        name="c",
        role="regulator",
        region_code="620100",
        password=PASSWORD,
    )
    user.enterprise_id = ent.id  # a regulator bound to an enterprise: refused by the CHECK
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_the_dashboard_is_the_users_own_enterprise_with_its_deadlines(session):
    from credit.records.models import Permit

    ent = create_enterprise(session, permit_category="key")
    today = dt.date(2026, 12, 4)
    session.add(
        Permit(
            enterprise_id=ent.id,
            permit_no=f"{ent.uscc}001P",
            category="key",
            valid_from=dt.date(2021, 1, 4),
            valid_until=today + dt.timedelta(days=30),
        )
    )
    session.flush()
    manager = _activate(session, ent, issue_code(session, ent, "enterprise_manager", "cli:t"))
    board = enterprise_dashboard(session, manager, today)
    assert board.enterprise.id == ent.id
    texts = [d.what.zh for d in board.deadlines]
    assert any("排污许可证" in t and "到期" in t for t in texts)
    report = next(d for d in board.deadlines if "年度" in d.what.zh)
    assert report.what.zh == "2026 年度环境信息依法披露报告"
    assert (report.due, report.done) == (dt.date(2027, 3, 15), False)
    before = enterprise_dashboard(session, manager, dt.date(2026, 2, 1))
    early = next(d for d in before.deadlines if "年度" in d.what.zh)
    assert (early.what.zh, early.due, early.days_left) == (
        "2025 年度环境信息依法披露报告",
        dt.date(2026, 3, 15),
        42,
    )
    regulator = create_user(
        session,
        email="reg@x.cn",
        name="r",
        role="regulator",
        region_code="620100",
        password=PASSWORD,
    )
    with pytest.raises(Forbidden):
        own_enterprise(session, regulator)


def test_an_enterprise_user_is_never_listed_as_an_officer(session):
    """Its region is its enterprise's: it is no assignee, no grid member and gets no
    regulators' digest, whatever its region code says."""
    from core.users import regulators
    from credit.grids.members import assign_member
    from credit.tipoffs.workflow import assignable_users
    from tests.factories import create_grid

    ent = create_enterprise(session, region_code="620100")
    user = _activate(session, ent, issue_code(session, ent, "enterprise_manager", "cli:t"))
    regulator = create_user(
        session,
        email="off@x.cn",
        name="o",
        role="regulator",
        region_code="620100",
        password=PASSWORD,
    )
    assert not user.may_act_in("620100") and regulator.may_act_in("620100")
    assert session.scalars(select(User.id).where(regulators())).all() == [regulator.id]

    class _TipOff:  # what assignable_users reads
        region_code = "620102"

    assert [u.id for u in assignable_users(session, _TipOff())] == [regulator.id]  # type: ignore[arg-type]
    create_grid(session, "ENT", name="测试网格")
    with pytest.raises(Invalid):
        assign_member(session, "ENT", user.email, "officer", "cli:t")
