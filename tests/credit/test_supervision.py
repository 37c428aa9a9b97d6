"""credit.supervision: the case flow from discovery to result, verification by another
person, escalation to the parent grid, the tip-off following its case, scopes, bad input."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import select

from core.audit import AuditEvent
from core.errors import Conflict, Forbidden, Invalid, NotFound
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.escalation import escalate_overdue
from credit.supervision.flow import (
    close_case,
    dispatch_case,
    place_case,
    rectify_case,
    report_result,
    verify_case,
)
from credit.supervision.models import CaseEvent, CaseEvidence, SupervisionCase
from credit.supervision.queue import CaseFilter, case_detail, list_cases
from credit.supervision.scope import get_case
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOffEvent
from tests.factories import add_grid_member, create_grid, create_regulator

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in China


@pytest.fixture
def world(session):
    """A street grid with two community grids, members for each, and regulators."""
    street = create_grid(session, "CG-S1", box=(103.80, 36.00, 103.90, 36.10))
    west = create_grid(session, "CG-S1-W", box=(103.80, 36.00, 103.85, 36.10), parent=street)
    east = create_grid(session, "CG-S1-E", box=(103.85, 36.00, 103.90, 36.10), parent=street)
    people = {
        "leader": create_regulator(session, "leader@example.cn", "620102"),
        "west1": create_regulator(session, "west1@example.cn", "620102"),
        "west2": create_regulator(session, "west2@example.cn", "620102"),
        "east1": create_regulator(session, "east1@example.cn", "620102"),
        "region": create_regulator(session, "region@example.cn", "620100"),
        "beijing": create_regulator(session, "beijing@example.cn", "110100"),
    }
    add_grid_member(session, street, people["leader"], "leader")
    add_grid_member(session, west, people["west1"])
    add_grid_member(session, west, people["west2"])
    add_grid_member(session, east, people["east1"])
    session.flush()
    return {"street": street, "west": west, "east": east, **people}


def _jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", (30, 20), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _case(session, user, **changes):
    values = {
        "origin": "regulator",
        "case_class": "general",
        "description": "工地扬尘未覆盖，渣土车未密闭。",
        "latitude": "36.05",
        "longitude": "103.82",
    }
    return create_case(session, user, CaseInput(**{**values, **changes}), now=NOW)


def _through_report(session, world, tmp_path, case):
    dispatch_case(session, world["region"], case.code, now=NOW)
    rectify_case(
        session,
        world["west1"],
        case.code,
        note="已覆盖防尘网",
        files=[("现场.jpg", _jpeg_with_exif())],
        upload_dir=str(tmp_path),
        now=NOW,
    )
    report_result(
        session, world["west1"], case.code, result="已整改到位", substantiated=True, now=NOW
    )


def test_the_full_flow_runs_from_found_to_closed(app_context, session, world, tmp_path):
    case = _case(session, world["region"])
    assert (case.status, case.grid_id, case.handling_grid_id) == (
        "found",
        world["west"].id,
        world["west"].id,
    )
    assert case.code.startswith("XS-") and case.region_code == "620102"
    assert case.dispatch_due_at == NOW + dt.timedelta(hours=24)
    _through_report(session, world, tmp_path, case)
    assert case.status == "reported" and case.reported_by == world["west1"].id
    assert case.rectify_due_at > NOW and case.verify_due_at > NOW
    verify_case(session, world["west2"], case.code, passed=True, now=NOW)
    close_case(session, world["leader"], case.code, confirmed=True, now=NOW)
    assert case.status == "closed" and case.closed_at == NOW
    steps = session.execute(
        select(CaseEvent.kind, CaseEvent.from_status, CaseEvent.to_status)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id)
    ).all()
    session.commit()  # the audit events join the chain at commit
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject == f"case:{case.id}")
        .order_by(AuditEvent.seq)
    ).all()
    assert actions == [
        "case.create",
        "case.dispatched",
        "case.rectifying",
        "case.evidence",
        "case.reported",
        "case.verified",
        "case.closed",
    ]
    assert [s[0] for s in steps] == [
        "created",
        "dispatched",
        "rectifying",
        "reported",
        "verified",
        "closed",
    ]
    assert steps[1][1:] == ("found", "dispatched")
    evidence = session.scalars(select(CaseEvidence)).one()
    stored = (tmp_path / evidence.storage_name).read_bytes()
    assert b"CameraMaker" not in stored and Image.open(io.BytesIO(stored)).size == (30, 20)


def test_the_reporter_of_the_result_may_not_verify_it(app_context, session, world, tmp_path):
    case = _case(session, world["region"])
    _through_report(session, world, tmp_path, case)
    with pytest.raises(Forbidden) as refused:
        verify_case(session, world["west1"], case.code, passed=True, now=NOW)
    assert "不能核查自己上报的结果" in refused.value.message
    assert case.status == "reported"
    assert case_detail(session, world["west1"], case.code, NOW)["may_verify"] is False
    assert case_detail(session, world["west2"], case.code, NOW)["may_verify"] is True


def test_a_failed_verification_reopens_rectification_with_a_new_deadline(
    app_context, session, world, tmp_path
):
    case = _case(session, world["region"])
    _through_report(session, world, tmp_path, case)
    with pytest.raises(Invalid):  # a failure needs its reason
        verify_case(session, world["west2"], case.code, passed=False, now=NOW)
    later = NOW + dt.timedelta(days=3)
    verify_case(session, world["west2"], case.code, passed=False, note="防尘网破损", now=later)
    assert case.status == "rectifying" and case.reported_by is None
    assert case.rectify_due_at > later
    with pytest.raises(Conflict):
        close_case(session, world["west2"], case.code, confirmed=True, now=later)


def test_an_overdue_case_escalates_once_to_the_parent_grids_queue(app_context, session, world):
    case = _case(session, world["region"])
    mine = CaseFilter(view="mine")
    assert list_cases(session, world["leader"], mine, NOW).total == 0
    assert [r.case.id for r in list_cases(session, world["west1"], mine, NOW).rows] == [case.id]
    assert escalate_overdue(session, NOW + dt.timedelta(hours=23)) == 0
    late = NOW + dt.timedelta(hours=25)
    assert escalate_overdue(session, late) == 1
    assert (case.handling_grid_id, case.escalation_level) == (world["street"].id, 1)
    queue = list_cases(session, world["leader"], mine, late)
    assert [r.case.id for r in queue.rows] == [case.id] and queue.rows[0].overdue
    assert list_cases(session, world["west1"], mine, late).total == 0
    assert list_cases(session, world["west1"], CaseFilter(view="all"), late).total == 1
    assert escalate_overdue(session, late + dt.timedelta(hours=5)) == 0  # once per stage
    dispatch_case(session, world["leader"], case.code, now=late)
    assert escalate_overdue(session, late + dt.timedelta(days=30)) == 1  # the next stage


def test_the_escalate_command_escalates_an_overdue_case(runner, session, world):
    case = _case(session, world["region"])  # found at NOW: its dispatch deadline has passed
    session.commit()
    result = runner.invoke(args=["cases", "escalate"])
    assert result.exit_code == 0, result.output
    assert "1 cases escalated" in result.output
    again = runner.invoke(args=["cases", "escalate"])
    assert "0 cases escalated" in again.output
    session.commit()
    assert (
        session.scalar(
            select(SupervisionCase.escalation_level).where(SupervisionCase.id == case.id)
        )
        == 1
    )


def test_a_tipoffs_public_status_follows_its_case(app_context, session, world, tmp_path):
    filed = file_tipoff(
        session,
        TipOffInput(
            category="air",
            description="工地夜间扬尘很大，气味刺鼻。",
            location="城关区某工地",
            region_code="620102",
            latitude="36.05",
            longitude="103.82",
            reporter_name="张三",
            reporter_phone="13800000000",
            anonymous=False,
        ),
    )
    tipoff = filed.tipoff
    # filed inside the west grid: the system opened its case there, the report waits for a person
    case = session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
    assert case is not None and (case.origin, case.status, case.created_by) == (
        "tipoff",
        "found",
        None,
    )
    assert tipoff.status == "received" and case.description == tipoff.description
    assert case.grid_id == world["west"].id
    with pytest.raises(Conflict):
        create_case(session, world["west1"], CaseInput(origin="tipoff", tipoff_id=tipoff.id))
    dispatch_case(session, world["region"], case.code, now=NOW)
    assert tipoff.status == "assigned"
    _rest = tmp_path
    rectify_case(
        session, world["west1"], case.code, note="已停工整改", upload_dir=str(_rest), now=NOW
    )
    assert tipoff.status == "investigating"
    report_result(
        session, world["west1"], case.code, result="查实并已整改", substantiated=True, now=NOW
    )
    verify_case(session, world["west2"], case.code, passed=True, now=NOW)
    assert tipoff.status == "investigating"
    close_case(session, world["west2"], case.code, confirmed=True, now=NOW)
    assert (tipoff.status, tipoff.public_outcome, tipoff.substantiated) == (
        "closed",
        "查实并已整改",
        True,
    )
    kinds = session.scalars(
        select(TipOffEvent.kind).where(TipOffEvent.tipoff_id == tipoff.id).order_by(TipOffEvent.id)
    ).all()
    assert kinds == ["received", "accepted", "assigned", "investigating", "closed"]
    shown = repr(case_detail(session, world["west1"], case.code, NOW))
    assert "张三" not in shown and "13800000000" not in shown


def test_a_sibling_grids_member_can_neither_see_nor_act(app_context, session, world):
    case = _case(session, world["region"])
    with pytest.raises(Forbidden):
        get_case(session, world["east1"], case.code)
    with pytest.raises(Forbidden):
        dispatch_case(session, world["east1"], case.code, now=NOW)
    assert list_cases(session, world["east1"], CaseFilter(view="all"), NOW).total == 0
    assert get_case(session, world["leader"], case.code) is case  # the parent grid sees it


def test_a_regulator_of_another_region_can_neither_see_nor_act(app_context, session, world):
    case = _case(session, world["region"])
    with pytest.raises(Forbidden):
        get_case(session, world["beijing"], case.code)
    with pytest.raises(Forbidden):
        _case(session, world["beijing"])
    assert list_cases(session, world["beijing"], CaseFilter(), NOW).total == 0
    assert list_cases(session, world["region"], CaseFilter(), NOW).total == 1


def test_a_member_may_not_open_a_case_outside_their_grids(app_context, session, world):
    with pytest.raises(Forbidden):
        _case(session, world["east1"])  # the point lies in the west grid


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"case_class": "huge"}, "case_class"),
        ({"origin": "rumour"}, "origin"),
        ({"description": "短"}, "description"),
        ({"latitude": "北纬36度"}, "latitude"),
        ({"latitude": "91"}, "latitude"),
        ({"longitude": ""}, "latitude"),
        ({"grid_code": "没有这个网格"}, "grid_code"),
        ({"latitude": "", "longitude": "", "region_code": "9999x"}, "region_code"),
        ({"latitude": "", "longitude": ""}, "region_code"),
        ({"enterprise_uscc": "91620100000000000X"}, "enterprise_uscc"),
        ({"point_source_code": "源" * 41}, "point_source_code"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_stored(
    app_context, session, world, changes, field
):
    with pytest.raises(Invalid) as refused:
        _case(session, world["region"], **changes)
    assert field in refused.value.errors
    assert session.scalar(select(CaseEvent.id)) is None


def test_an_unplaced_case_is_placed_before_dispatch(app_context, session, world):
    case = _case(session, world["region"], latitude="", longitude="", region_code="620102")
    assert case.grid_id is None
    with pytest.raises(Conflict):
        dispatch_case(session, world["region"], case.code, now=NOW)
    with pytest.raises(Forbidden):  # grid members do not see unplaced cases
        get_case(session, world["leader"], case.code)
    place_case(session, world["region"], case.code, grid_code="CG-S1-E", now=NOW)
    assert case.handling_grid_id == world["east"].id
    dispatch_case(session, world["region"], case.code, now=NOW)
    assert case.status == "dispatched"


def test_an_unknown_code_is_not_found(app_context, session, world):
    with pytest.raises(NotFound):
        get_case(session, world["region"], "XS-<script>-\u4e2d")
    with pytest.raises(NotFound):
        get_case(session, world["region"], "")


def test_a_monitoring_alert_opens_a_case_without_a_user(app_context, session, world):
    case = _case(session, None, origin="monitoring", case_class="major")
    assert case.created_by is None and case.grid_id == world["west"].id
    assert case.dispatch_due_at == NOW + dt.timedelta(hours=8)


def test_the_escalation_consumer_runs_once_an_hour(app, session, world):
    from credit.supervision.escalation import EscalationConsumer

    case = _case(session, world["region"])
    session.commit()
    consumer = EscalationConsumer()
    with app.app_context():
        assert consumer.run_once() == 1  # NOW is in the past: the dispatch deadline has passed
        assert consumer.run_once() == 0  # this hour is done
    session.commit()
    session.refresh(case)
    assert case.handling_grid_id == world["street"].id and case.escalation_level == 1


def test_open_case_points_are_the_scoped_open_cases_with_coordinates(app_context, session, world):
    from credit.supervision.queue import open_case_points

    case = _case(session, world["region"])
    _case(session, world["region"], latitude="", longitude="", region_code="620102")
    later = NOW + dt.timedelta(days=2)
    points = open_case_points(session, world["west1"], later)
    assert [(p.code, p.latitude, p.longitude, p.age_days, p.overdue) for p in points] == [
        (case.code, 36.05, 103.82, 2, True)
    ]
    assert open_case_points(session, world["east1"], later) == []


def test_a_person_opening_a_case_from_a_tipoff_outside_every_grid_accepts_it(
    app_context, session, world
):
    filed = file_tipoff(
        session,
        TipOffInput(
            category="water",
            description="河边有暗管排放黑水。",
            location="城关区河边",
            region_code="620102",
            latitude="36.20",
            longitude="103.60",
            anonymous=True,
        ),
    )
    tipoff = filed.tipoff
    assert (
        session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
        is None
    )
    case = create_case(
        session,
        world["region"],
        CaseInput(origin="tipoff", tipoff_id=tipoff.id, grid_code="CG-S1-E"),
        now=NOW,
    )
    assert (tipoff.status, case.grid_id) == ("accepted", world["east"].id)
