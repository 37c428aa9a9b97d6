"""Adjustments: four-eyes, region scope and audit, tried from every angle."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditEvent, verify_chain
from core.changelog import read_changes
from core.errors import Conflict, Forbidden, Invalid
from credit.cases.adjustments import decide_adjustment, propose_adjustment
from tests.factories import create_enterprise, create_rating, create_regulator

TODAY = dt.date(2026, 7, 1)


@pytest.fixture
def setup(session):
    ent = create_enterprise(session)
    create_rating(session, ent, "blue")
    alice = create_regulator(session, "alice@example.cn")
    bob = create_regulator(session, "bob@example.cn")
    outsider = create_regulator(session, "nanyang@example.cn", region="411300")
    return ent, alice, bob, outsider


def _propose(session, user, ent, **kw):
    args = {
        "to_level": "yellow",
        "reason": "现场检查发现问题",
        "evidence": "检查记录",
        "expires_at": TODAY + dt.timedelta(days=90),
        "today": TODAY,
    }
    args.update(kw)
    return propose_adjustment(session, user, ent, **args)


def test_proposer_cannot_approve_own_proposal(session, setup):
    ent, alice, bob, _ = setup
    adj = _propose(session, alice, ent)
    with pytest.raises(Forbidden, match="four-eyes"):
        decide_adjustment(session, alice, adj.id, approve=True)
    assert adj.status == "proposed"
    decided = decide_adjustment(session, bob, adj.id, approve=True)
    assert decided.status == "approved" and decided.approved_by == bob.id


def test_regulator_outside_region_can_neither_propose_nor_approve(session, setup):
    ent, alice, _, outsider = setup
    with pytest.raises(Forbidden):
        _propose(session, outsider, ent)
    adj = _propose(session, alice, ent)
    with pytest.raises(Forbidden):
        decide_adjustment(session, outsider, adj.id, approve=True)


def test_a_decided_proposal_cannot_be_decided_again(session, setup):
    ent, alice, bob, _ = setup
    adj = _propose(session, alice, ent)
    decide_adjustment(session, bob, adj.id, approve=False, note="证据不足", confirmed=True)
    with pytest.raises(Conflict):
        decide_adjustment(session, bob, adj.id, approve=True)


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("reason", {"reason": "   "}),
        ("to_level", {"to_level": "purple"}),
        ("expires_at", {"expires_at": TODAY + dt.timedelta(days=366)}),
        ("expires_at", {"expires_at": TODAY}),
    ],
)
def test_invalid_proposals_name_the_field(session, setup, field, kw):
    ent, alice, _, _ = setup
    with pytest.raises(Invalid) as err:
        _propose(session, alice, ent, **kw)
    assert field in err.value.errors


def test_database_also_refuses_self_approval(session, setup):
    ent, alice, _, _ = setup
    adj = _propose(session, alice, ent)
    adj.approved_by = alice.id
    with pytest.raises(Exception, match="four_eyes"):
        session.flush()


def test_every_step_is_audited_and_approval_triggers_rescoring(session, setup):
    ent, alice, bob, _ = setup
    adj = _propose(session, alice, ent)
    decide_adjustment(session, bob, adj.id, approve=True)
    session.commit()
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-2:] == ["adjustment.propose", "adjustment.approved"]
    assert verify_chain(session).ok
    assert [(c.entity, c.enterprise_id) for c in read_changes(session, 0)] == [
        ("enterprise", ent.id)
    ]
