"""Data error reports (报告数据错误): the deadline in working days, the 核查中 marker and its
change-log rows, the owning regulator's to-do, answers, and a private contact."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.changelog import ChangeLog, read_changes
from core.errors import Conflict, Forbidden, Invalid, NotFound
from credit.data_errors.answering import answer_data_error, reports_for
from credit.data_errors.models import DataErrorReport
from credit.data_errors.reporting import report_data_error
from credit.records.snapshots import penalty_snapshots
from credit.workbench.todo import workbench
from tests.factories import create_enterprise, create_penalty, create_regulator

#: the day before the National Day holiday (1–7 October 2026; Saturday 10 October is a
#: make-up working day)
EVE = dt.date(2026, 9, 30)
CONTACT = "13800001111 李报告"


def _report(session, penalty, **kw):
    return report_data_error(
        session,
        "penalty",
        str(penalty.id),
        description=kw.pop("description", "罚款金额应为 5 万元，不是 50 万元"),
        contact=kw.pop("contact", CONTACT),
        today=kw.pop("today", EVE),
    )


def test_a_report_is_due_in_five_working_days_across_the_holiday(app_context, session):
    penalty = create_penalty(session, create_enterprise(session))
    report = _report(session, penalty)
    # 8, 9, 10 (make-up Saturday), 12 and 13 October
    assert report.due_on == dt.date(2026, 10, 13)
    assert report.status == "open" and report.reference.startswith("SJ-")
    assert report.region_code == "620100"


def test_the_record_is_under_review_until_the_answer(app_context, session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent)
    regulator = create_regulator(session, "lz@example.cn", "620100")
    session.commit()
    before = session.scalar(select(func.count()).select_from(ChangeLog))
    report = _report(session, penalty)
    session.commit()
    snap = penalty_snapshots(session, [penalty.id], EVE)[str(penalty.id)]
    assert snap is not None and snap["under_review"] is True
    changes = read_changes(session, before)
    assert [(c.entity, c.entity_id) for c in changes] == [("penalty", str(penalty.id))]

    answer_data_error(session, regulator, report.id, corrected=False, answer="经核对原件，金额无误")
    session.commit()
    snap = penalty_snapshots(session, [penalty.id], EVE)[str(penalty.id)]
    assert snap is not None and snap["under_review"] is False
    assert [(c.entity, c.entity_id) for c in read_changes(session, before)] == [
        ("penalty", str(penalty.id)),
        ("penalty", str(penalty.id)),
    ]
    assert session.get(DataErrorReport, report.id).status == "no_error"
    with pytest.raises(Conflict):
        answer_data_error(session, regulator, report.id, corrected=True, answer="再答一次")


def test_a_second_report_keeps_the_marker_until_both_are_answered(app_context, session):
    penalty = create_penalty(session, create_enterprise(session))
    regulator = create_regulator(session, "lz@example.cn", "620100")
    first, second = _report(session, penalty), _report(session, penalty, description="日期有误")
    session.commit()
    answer_data_error(session, regulator, first.id, corrected=True, answer="已更正金额")
    session.commit()
    assert penalty_snapshots(session, [penalty.id], EVE)[str(penalty.id)]["under_review"]
    answer_data_error(session, regulator, second.id, corrected=False, answer="日期无误")
    session.commit()
    assert not penalty_snapshots(session, [penalty.id], EVE)[str(penalty.id)]["under_review"]


def test_the_owning_regulator_sees_it_in_the_to_do_list_and_no_other(app_context, session):
    penalty = create_penalty(session, create_enterprise(session, region_code="620102"))
    owner = create_regulator(session, "lz@example.cn", "620100")
    outsider = create_regulator(session, "ny@example.cn", "411300")
    report = _report(session, penalty)
    session.commit()
    now = dt.datetime(2026, 10, 14, 2, 0, tzinfo=dt.UTC)  # a day after the deadline
    bench = workbench(session, owner, now=now)
    rows = bench.rows["data_error"]
    assert [(r.subject, r.ref, r.code, r.due, r.days_late) for r in rows] == [
        ("data_error", str(report.id), report.reference, dt.date(2026, 10, 13), 1)
    ]
    assert CONTACT not in repr(rows)
    assert workbench(session, outsider, now=now).counts["data_error"] == 0
    assert reports_for(session, outsider) == []
    with pytest.raises(Forbidden):
        answer_data_error(session, outsider, report.id, corrected=True, answer="越权答复")


def test_bad_reports_are_refused_and_nothing_is_stored(app_context, session):
    penalty = create_penalty(session, create_enterprise(session))
    unpublished = create_penalty(
        session, create_enterprise(session), decision_date=dt.date(2030, 1, 1)
    )
    with pytest.raises(Invalid) as refused:
        _report(session, penalty, description="   ")
    assert "description" in refused.value.errors
    with pytest.raises(Invalid):
        _report(session, penalty, contact="x" * 201)
    with pytest.raises(NotFound):
        _report(session, unpublished)
    with pytest.raises(NotFound):
        report_data_error(session, "penalty", "abc", description="错误", contact=None, today=EVE)
    assert session.scalar(select(func.count()).select_from(DataErrorReport)) == 0


def test_an_empty_answer_is_refused(app_context, session):
    penalty = create_penalty(session, create_enterprise(session))
    regulator = create_regulator(session, "lz@example.cn", "620100")
    report = _report(session, penalty)
    with pytest.raises(Invalid):
        answer_data_error(session, regulator, report.id, corrected=True, answer=" ")
    assert report.status == "open" and report.answer is None


def test_the_contact_is_never_in_the_audit_or_change_log(app_context, session):
    penalty = create_penalty(session, create_enterprise(session))
    regulator = create_regulator(session, "lz@example.cn", "620100")
    report = _report(session, penalty)
    answer_data_error(session, regulator, report.id, corrected=True, answer="已更正")
    session.commit()
    details = [repr(e.detail) + e.subject for e in session.scalars(select(AuditEvent))]
    assert any("data_error" in d for d in details)
    assert not any("13800001111" in d for d in details)
    rows = [repr((c.entity, c.entity_id)) for c in read_changes(session, 0)]
    assert not any("13800001111" in r for r in rows)


def test_reports_about_an_enterprise_and_its_inspection(app_context, session):
    from credit.records.models import Inspection

    ent = create_enterprise(session)
    inspection = Inspection(
        enterprise_id=ent.id,
        ref="JC-1",
        date=dt.date(2026, 6, 1),
        agency="兰州市生态环境局",
        kind="routine",
        outcome="compliant",
    )
    session.add(inspection)
    session.flush()
    on_ent = report_data_error(
        session, "enterprise", ent.uscc.lower(), description="地址有误", contact=None, today=EVE
    )
    on_insp = report_data_error(
        session, "inspection", str(inspection.id), description="检查日期有误", contact="", today=EVE
    )
    assert (on_ent.record_id, on_ent.contact) == (ent.uscc, None)
    assert (on_insp.record_type, on_insp.enterprise_id, on_insp.contact) == (
        "inspection",
        ent.id,
        None,
    )
