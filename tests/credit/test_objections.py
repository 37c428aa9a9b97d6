"""Objections and credit repair: deadlines, withdrawal, eligibility, tombstones."""

from __future__ import annotations

import datetime as dt

import pytest

from core.changelog import read_changes
from core.errors import Conflict, Forbidden, Invalid
from credit.cases.objections import decide_objection, file_objection
from credit.cases.repairs import apply_for_repair, decide_repair
from tests.factories import create_enterprise, create_penalty, create_regulator

TODAY = dt.date(2026, 7, 1)


def test_upheld_objection_withdraws_the_penalty(session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=dt.date(2026, 5, 1))
    regulator = create_regulator(session, "r@example.cn")
    objection = file_objection(
        session,
        ent,
        target_type="penalty",
        target_id=penalty.id,
        claim="该处罚决定已被复议撤销",
        contact="0931-1234567",
        today=TODAY,
    )
    assert objection.due_at > TODAY and objection.reference.startswith("YY-")
    decide_objection(
        session, regulator, objection.id, uphold=True, decision="经核实，决定已撤销", today=TODAY
    )
    assert penalty.revoked_at == TODAY
    session.commit()
    assert [(c.entity, c.entity_id) for c in read_changes(session, 0)] == [
        ("penalty", str(penalty.id))
    ]


def test_objection_validation_and_scope(session):
    ent = create_enterprise(session)
    other = create_enterprise(session)
    foreign = create_penalty(session, other)
    with pytest.raises(Invalid) as err:
        file_objection(
            session,
            ent,
            target_type="penalty",
            target_id=foreign.id,
            claim="",
            contact="x",
            today=TODAY,
        )
    assert set(err.value.errors) == {"claim", "target_id"}
    objection = file_objection(
        session,
        ent,
        target_type="rating",
        target_id=None,
        claim="评分有误",
        contact="x",
        today=TODAY,
    )
    outsider = create_regulator(session, "ny@example.cn", region="411300")
    with pytest.raises(Forbidden):
        decide_objection(session, outsider, objection.id, uphold=False, decision="x", today=TODAY)


def test_repair_only_after_minimum_period_and_not_for_closure(session):
    ent = create_enterprise(session)
    fresh = create_penalty(session, ent, decision_date=dt.date(2026, 5, 1))
    with pytest.raises(Invalid, match="invalid") as err:
        apply_for_repair(
            session, fresh, reason="已整改", commitment="承诺守法", contact="x", today=TODAY
        )
    assert "2026-08-01" in err.value.errors["penalty"][0]
    closure = create_penalty(
        session,
        ent,
        severity="grave",
        decision_date=dt.date(2024, 5, 1),
        penalty_kinds="罚款;责令停产停业",
    )
    with pytest.raises(Invalid):
        apply_for_repair(
            session, closure, reason="已整改", commitment="承诺", contact="x", today=TODAY
        )


def test_approved_repair_stops_display_and_sends_a_removal(session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=dt.date(2026, 1, 10))
    regulator = create_regulator(session, "r@example.cn")
    application = apply_for_repair(
        session,
        penalty,
        reason="已完成整改并缴纳罚款",
        commitment="承诺今后守法经营",
        contact="x",
        today=TODAY,
    )
    with pytest.raises(Invalid, match="invalid"):
        apply_for_repair(session, penalty, reason="again", commitment="c", contact="x", today=TODAY)
    decide_repair(session, regulator, application.id, approve=True, note=None, today=TODAY)
    with pytest.raises(Conflict):
        decide_repair(session, regulator, application.id, approve=True, note=None, today=TODAY)
    session.commit()
    assert penalty.repaired_at == TODAY
    from credit.records.snapshots import penalty_snapshots

    assert penalty_snapshots(session, [penalty.id], TODAY)[str(penalty.id)] is None
    assert [c.entity for c in read_changes(session, 0)] == ["penalty"]
