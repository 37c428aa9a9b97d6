"""Rewards (有奖举报): the rules file, four-eyes by the service and by the database, the
first-reporter rule, the per-case and annual caps, and the reporter's payment details."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.audit import AuditEvent
from core.changelog import ChangeLog
from core.errors import Conflict, Forbidden, Invalid
from credit.rewards import workflow
from credit.rewards.models import Reward, RewardPayee
from credit.rewards.payees import PayeeInput, submit_payee, valid_id_number
from credit.rewards.rules import (
    RULES_FILE,
    RewardRulesError,
    load_rules_file,
    parse_rules,
    reward_rules,
)
from credit.rewards.workflow import (
    approve_reward,
    decline_reward,
    eligibility,
    pay_reward,
    propose_reward,
    reporter_view,
)
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from credit.tipoffs.outcome import close_tipoff, decide_reopen, mark_duplicate
from credit.tipoffs.tracking import request_reopen
from credit.tipoffs.workflow import accept_tipoff, classify_tipoff, start_investigation
from tests.disclosure.conftest import make_regulator

NAME, ID_NUMBER, ACCOUNT = "领奖人甲Z9", "620102198503171232", "6222020200112233445"
PAYEE = PayeeInput(
    name=NAME, id_number=ID_NUMBER, method="bank", account=ACCOUNT, bank_name="工商银行兰州分行"
)
T0 = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _context(app_context):
    """Tracking secrets and ID numbers are hashed with the app's HASH_KEY."""


@pytest.fixture
def second(session):
    return make_regulator(session, "second@example.cn")


def _file(session, description="化工厂夜间排放刺鼻黑烟很严重", now=None, **kw):
    return file_tipoff(
        session,
        TipOffInput(
            category="air", description=description, location="西固区", region_code="620100", **kw
        ),
        now=now,
    )


def _close(session, user, tid, *, substantiated=True, severity="major"):
    accept_tipoff(session, user, tid)
    if severity:
        classify_tipoff(session, user, tid, severity=severity)
    start_investigation(session, user, tid)
    close_tipoff(
        session,
        user,
        tid,
        outcome="查实超标排放，已立案",
        substantiated=substantiated,
        confirmed=True,
    )


def _closed_case(session, user, **kw):
    filed = _file(session, **kw)
    _close(session, user, filed.tipoff.id)
    return filed


def _rules(clamp: bool = False, **changes):
    """The shipped rules with ``changes``; ``clamp``: bands lowered to fit smaller caps."""
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    data.update(changes)
    if clamp:
        cap = min(data["per_case_cap"], data["annual_cap_per_reporter"])
        for row in data["bands"].values():
            row.update({k: min(v, cap) for k, v in row.items()})
    return parse_rules(data)


# --- the rules file ---------------------------------------------------------------------


def test_the_shipped_rules_file_is_valid_and_documented():
    rules = reward_rules()
    assert rules.currency == "CNY" and rules.first_reporter_only
    assert rules.band("major", "penalised") == 3000
    assert rules.band("critical", "transferred") == 10000 <= rules.per_case_cap
    assert set(rules.outcomes) == {"rectified", "penalised", "transferred"}
    readme = Path(__file__).parents[2].joinpath("README.md").read_text(encoding="utf-8")
    assert "credit/rewards/reward_rules.toml" in readme


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"currency": "USD"}, "currency"),
        ({"first_reporter_only": "yes"}, "first_reporter_only: must be true or false"),
        ({"per_case_cap": 0}, "per_case_cap: must be positive"),
        ({"annual_cap_per_reporter": 1.5}, "annual_cap_per_reporter: must be a whole number"),
        ({"bonus": 1}, "bonus: is not a known key"),
        ({"per_case_cap": 4000}, "bands.major.transferred: 5000 exceeds per_case_cap 4000"),
        ({"outcomes": {}}, "outcomes: must be a non-empty table"),
        ({"outcomes": {"Bad-Key": "x"}}, "outcomes.Bad-Key: must be lower-case"),
    ],
)
def test_rules_errors_name_the_key_and_the_problem(change, problem):
    with pytest.raises(RewardRulesError) as exc:
        _rules(**change)
    assert problem in str(exc.value) and "reward_rules.toml" in str(exc.value)


def test_bands_must_cover_every_severity_and_outcome():
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    del data["bands"]["general"]["transferred"]
    with pytest.raises(RewardRulesError, match=r"bands\.general\.transferred: is required"):
        parse_rules(data)
    del data["bands"]["general"]
    with pytest.raises(RewardRulesError, match=r"bands\.general: is required"):
        parse_rules(data)
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["bands"]["urgent"] = {}
    with pytest.raises(RewardRulesError, match=r"bands\.urgent: is not a severity"):
        parse_rules(data)
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["bands"]["major"]["rectified"] = -5
    with pytest.raises(RewardRulesError, match=r"bands\.major\.rectified: must be positive"):
        parse_rules(data)


def test_a_broken_or_missing_file_is_reported_by_name(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("version = = 1", encoding="utf-8")
    with pytest.raises(RewardRulesError, match=r"broken\.toml.*not valid TOML"):
        load_rules_file(bad)
    with pytest.raises(RewardRulesError, match=r"missing\.toml.*cannot be read"):
        load_rules_file(tmp_path / "missing.toml")


# --- four-eyes -------------------------------------------------------------------------


def test_propose_then_a_second_officer_approves(session, regulator, second):
    filed = _closed_case(session, regulator)
    tid = filed.tipoff.id
    reward = propose_reward(session, regulator, tid, outcome="penalised")
    assert (reward.amount, reward.band_amount, reward.status) == (3000, 3000, "proposed")
    with pytest.raises(Forbidden, match="双人复核"):
        approve_reward(session, regulator, tid)
    with pytest.raises(Forbidden, match="双人复核"):
        decline_reward(session, regulator, tid, reason="自己撤回")
    approve_reward(session, second, tid, note="证据充分")
    assert (reward.status, reward.approver_id) == ("approved", second.id)
    with pytest.raises(Conflict):
        approve_reward(session, second, tid)
    session.commit()
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject == f"reward:{reward.id}")
    ).all()
    assert list(actions) == ["reward.propose", "reward.approve"]


def test_the_database_refuses_self_approval(session, regulator):
    filed = _closed_case(session, regulator)
    reward = propose_reward(session, regulator, filed.tipoff.id, outcome="rectified")
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE rewards SET approver_id = proposer_id, status = 'approved' WHERE id = :i"),
            {"i": reward.id},
        )
        session.flush()
    session.rollback()
    with pytest.raises(IntegrityError):  # nor more than the band, nor a silent reduction
        session.execute(
            text("UPDATE rewards SET amount = band_amount + 1 WHERE id = :i"), {"i": reward.id}
        )
    session.rollback()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE rewards SET amount = 1 WHERE id = :i"), {"i": reward.id})
    session.rollback()


def test_only_closed_substantiated_graded_cases_qualify(session, regulator):
    open_one = _file(session)
    with pytest.raises(Conflict, match="经查属实"):
        propose_reward(session, regulator, open_one.tipoff.id, outcome="penalised")
    unfounded = _file(session)
    _close(session, regulator, unfounded.tipoff.id, substantiated=False)
    with pytest.raises(Conflict, match="经查属实"):
        propose_reward(session, regulator, unfounded.tipoff.id, outcome="penalised")
    ungraded = _file(session)
    _close(session, regulator, ungraded.tipoff.id, severity=None)
    with pytest.raises(Conflict, match="定级"):
        propose_reward(session, regulator, ungraded.tipoff.id, outcome="penalised")
    good = _closed_case(session, regulator)
    with pytest.raises(Invalid, match="处理结果"):
        propose_reward(session, regulator, good.tipoff.id, outcome="bribe")
    propose_reward(session, regulator, good.tipoff.id, outcome="penalised")
    with pytest.raises(Conflict, match="已有奖励"):
        propose_reward(session, regulator, good.tipoff.id, outcome="penalised")
    assert session.scalar(select(Reward.id).where(Reward.tipoff_id == open_one.tipoff.id)) is None


def test_the_amount_may_be_lowered_with_a_reason_never_raised(session, regulator):
    tid = _closed_case(session, regulator).tipoff.id
    with pytest.raises(Invalid, match="不得高于标准"):
        propose_reward(session, regulator, tid, outcome="penalised", amount="3001")
    with pytest.raises(Invalid) as exc:
        propose_reward(session, regulator, tid, outcome="penalised", amount="1000")
    assert "reason" in exc.value.errors
    for bad in ("-5", "²", "1e3", "12345678"):
        with pytest.raises(Invalid, match="正整数"):
            propose_reward(session, regulator, tid, outcome="penalised", amount=bad)
    reward = propose_reward(
        session, regulator, tid, outcome="penalised", amount="1000", reason="举报线索部分属实"
    )
    assert (reward.amount, reward.reduction_reason) == (1000, "举报线索部分属实")


# --- first reporter and caps -----------------------------------------------------------


def test_only_the_earliest_reporter_of_merged_duplicates_is_rewarded(session, regulator, second):
    early = _file(session, "同一家工厂冒黑烟，最早的举报", now=T0)
    late = _file(session, "同一家工厂冒黑烟，较晚的举报", now=T0 + dt.timedelta(days=1))
    # the later report became the case; the earlier one was merged into it
    mark_duplicate(session, regulator, early.tipoff.id, original=late.tracking_code, confirmed=True)
    _close(session, regulator, late.tipoff.id)
    with pytest.raises(Conflict, match=early.tracking_code):
        propose_reward(session, regulator, late.tipoff.id, outcome="penalised")
    reward = propose_reward(session, regulator, early.tipoff.id, outcome="penalised")
    assert reward.case_id == late.tipoff.id and reward.severity == "major"
    approve_reward(session, second, early.tipoff.id)
    # the merged report's reporter sees their reward; the case's own reporter sees none
    assert reporter_view(session, early.tipoff)["status"] == "approved"
    assert reporter_view(session, late.tipoff) is None


def test_approval_and_payment_recheck_the_case(session, regulator, second):
    filed = _closed_case(session, regulator, now=T0)
    tid = filed.tipoff.id
    propose_reward(session, regulator, tid, outcome="penalised")
    request_reopen(session, filed.tracking_code, filed.secret, "整改后仍在排放，请再查")
    decide_reopen(session, second, tid, reopen=True, note="重新调查")
    with pytest.raises(Conflict, match="重新处理"):
        approve_reward(session, second, tid)
    close_tipoff(session, regulator, tid, outcome="复查属实", substantiated=True, confirmed=True)
    approve_reward(session, second, tid)
    # an earlier report about the same problem is merged in: the first-reporter rule holds
    earlier = _file(session, "更早的同一问题的举报内容", now=T0 - dt.timedelta(days=3))
    mark_duplicate(
        session, regulator, earlier.tipoff.id, original=filed.tracking_code, confirmed=True
    )
    submit_payee(session, filed.tracking_code, filed.secret, PAYEE)
    with pytest.raises(Conflict, match=earlier.tracking_code):
        pay_reward(session, second, tid, reference="GK-1")
    decline_reward(session, second, tid, reason="按首报规则奖励最先举报人")
    assert eligibility(session, earlier.tipoff) is None


def test_the_per_case_cap_spans_every_reporter(session, regulator, monkeypatch):
    monkeypatch.setattr(
        workflow, "reward_rules", lambda: _rules(True, first_reporter_only=False, per_case_cap=4000)
    )
    first = _file(session, "第一位举报人的举报内容", now=T0)
    other = _file(session, "第二位举报人的举报内容", now=T0 + dt.timedelta(hours=1))
    third = _file(session, "第三位举报人的举报内容", now=T0 + dt.timedelta(hours=2))
    for dup in (other, third):
        mark_duplicate(
            session, regulator, dup.tipoff.id, original=first.tracking_code, confirmed=True
        )
    _close(session, regulator, first.tipoff.id)
    propose_reward(session, regulator, first.tipoff.id, outcome="penalised")  # 3000
    with pytest.raises(Invalid, match="还可奖励 1000 元"):
        propose_reward(session, regulator, other.tipoff.id, outcome="penalised")
    propose_reward(
        session, regulator, other.tipoff.id, outcome="penalised", amount="1000", reason="本案上限"
    )
    assert "上限" in str(eligibility(session, third.tipoff, workflow.reward_rules()))
    with pytest.raises(Conflict, match="上限"):
        propose_reward(session, regulator, third.tipoff.id, outcome="rectified")


def _approved(session, proposer, approver, *, now=None, outcome="penalised"):
    filed = _closed_case(session, proposer)
    propose_reward(session, proposer, filed.tipoff.id, outcome=outcome, now=now)
    approve_reward(session, approver, filed.tipoff.id, now=now)
    return filed


def test_the_annual_cap_counts_per_person_by_id_number(session, regulator, second, monkeypatch):
    rules = _rules(True, annual_cap_per_reporter=5000)
    monkeypatch.setattr(workflow, "reward_rules", lambda: rules)
    one = _approved(session, regulator, second)
    two = _approved(session, regulator, second)
    for filed in (one, two):  # the same person, once named and once anonymous
        submit_payee(session, filed.tracking_code, filed.secret, PAYEE)
    pay_reward(session, second, one.tipoff.id, reference="GK-2026-0001", now=T0)
    with pytest.raises(Conflict, match="本年度已发放 3000 元"):
        pay_reward(session, second, two.tipoff.id, reference="GK-2026-0002", now=T0)
    # next year (China time) the cap starts again
    pay_reward(session, second, two.tipoff.id, reference="GK-2027-0001", now=T0.replace(year=2027))
    assert session.get(Reward, 2).status == "paid"


# --- decline, payment, the reporter's details -------------------------------------------


def test_decline_with_a_reason_the_reporter_sees(session, regulator, second):
    filed = _closed_case(session, regulator)
    tid = filed.tipoff.id
    propose_reward(session, regulator, tid, outcome="rectified")
    with pytest.raises(Invalid):
        decline_reward(session, second, tid, reason="  ")
    decline_reward(session, second, tid, reason="举报人系企业内部安全责任人")
    view = reporter_view(session, filed.tipoff)
    assert view["status_name"] == "不予奖励"
    assert view["decline_reason"] == "举报人系企业内部安全责任人"
    assert view["amount"] is None and not view["may_claim"]
    with pytest.raises(Conflict):
        pay_reward(session, second, tid, reference="X")


def test_payment_needs_the_reporters_details_and_a_reference(session, regulator, second):
    filed = _file(session)  # anonymous: claims with code + secret only
    tid = filed.tipoff.id
    _close(session, regulator, tid)
    propose_reward(session, regulator, tid, outcome="transferred")
    with pytest.raises(Conflict, match="批准后"):
        submit_payee(session, filed.tracking_code, filed.secret, PAYEE)
    with pytest.raises(Conflict, match="已批准"):
        pay_reward(session, second, tid, reference="GK-1")
    approve_reward(session, second, tid)
    with pytest.raises(Conflict, match="尚未提交"):
        pay_reward(session, second, tid, reference="GK-1")
    bad = PayeeInput(name="甲", id_number="620102198503171233", method="phone", account="123")
    with pytest.raises(Invalid) as exc:
        submit_payee(session, filed.tracking_code, filed.secret, bad)
    assert set(exc.value.errors) == {"name", "id_number", "account"}
    assert "620102198503171233" not in str(exc.value.errors) + str(exc.value)
    assert session.scalar(select(RewardPayee.id)) is None
    submit_payee(session, filed.tracking_code, filed.secret, PAYEE)
    with pytest.raises(Invalid):
        pay_reward(session, regulator, tid, reference=" ")
    reward = pay_reward(session, regulator, tid, reference="GK-2026-0099")
    assert (reward.status, reward.payment_reference) == ("paid", "GK-2026-0099")
    assert reporter_view(session, filed.tipoff)["status_name"] == "已发放"
    with pytest.raises(Conflict):
        submit_payee(session, filed.tracking_code, filed.secret, PAYEE)


def test_payment_details_stay_out_of_audit_change_log_and_timeline(session, regulator, second):
    filed = _closed_case(session, regulator)
    tid = filed.tipoff.id
    propose_reward(session, regulator, tid, outcome="penalised")
    approve_reward(session, second, tid)
    submit_payee(session, filed.tracking_code, filed.secret, PAYEE)
    pay_reward(session, second, tid, reference="GK-2026-0100")
    session.commit()
    payee = session.scalar(select(RewardPayee))
    assert payee.id_key.startswith("hmac-sha256$") and ID_NUMBER not in payee.id_key
    dumped = " ".join(
        [str(e.detail) + e.subject for e in session.scalars(select(AuditEvent))]
        + [f"{c.entity}:{c.entity_id}" for c in session.scalars(select(ChangeLog))]
        + [str(n) for n in session.scalars(text("SELECT public_note FROM tipoff_events"))]
        + [str(n) for n in session.scalars(text("SELECT internal_note FROM tipoff_events"))]
    )
    for secret in (NAME, ID_NUMBER, ACCOUNT, "工商银行兰州分行"):
        assert secret not in dumped
    assert not session.scalars(select(ChangeLog).where(ChangeLog.entity.like("reward%"))).all()


def test_id_number_check_character():
    assert valid_id_number("11010519491231002X") and valid_id_number(ID_NUMBER)
    assert not valid_id_number("110105194912310021") and not valid_id_number("12345")


def test_scope_refuses_another_region(session, regulator):
    tid = _closed_case(session, regulator).tipoff.id
    outsider = make_regulator(session, "tianshui@example.cn", region="620500")
    with pytest.raises(Forbidden):
        propose_reward(session, outsider, tid, outcome="penalised")
    assert session.get(TipOff, tid).status == "closed"


def test_the_workbench_lists_rewards_awaiting_my_approval_and_payment(session, regulator, second):
    from credit.workbench.todo import workbench

    filed = _closed_case(session, regulator)
    tid = filed.tipoff.id
    propose_reward(session, regulator, tid, outcome="penalised")
    session.flush()
    mine = workbench(session, regulator)
    assert mine.counts["reward_approve"] == 0  # never my own proposal
    theirs = workbench(session, second)
    assert [r.ref for r in theirs.rows["reward_approve"]] == [str(tid)]
    assert theirs.rows["reward_approve"][0].code == filed.tipoff.tracking_code
    approve_reward(session, second, tid, note="证据充分")
    session.flush()
    assert workbench(session, second).counts["reward_approve"] == 0
    assert [r.ref for r in workbench(session, regulator).rows["reward_pay"]] == [str(tid)]
