"""credit.workbench: each user's to-do list holds what they must do and nothing outside
their region or grid; the deadline figures of a region and month."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.errors import Forbidden, Invalid
from credit.board.models import BoardMessage
from credit.cases.adjustments import propose_adjustment
from credit.cases.objections import file_objection
from credit.supervision.creation import CaseInput, create_case
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOffEvent
from credit.tipoffs.outcome import close_tipoff, decide_reopen, mark_duplicate
from credit.tipoffs.tracking import request_reopen
from credit.tipoffs.workflow import accept_tipoff, reject_tipoff
from credit.workbench.deadlines import deadline_report, deadlines_csv
from credit.workbench.todo import workbench
from tests.factories import (
    add_grid_member,
    create_enterprise,
    create_grid,
    create_rating,
    create_regulator,
    ensure_reference,
)

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 1 December, 10:00 in China
TODAY = dt.date(2026, 12, 1)
DAY = dt.timedelta(days=1)


def _file(session, region, *, now, description="化工厂夜间排放刺鼻黑烟很严重"):
    ensure_reference(session, region)
    data = TipOffInput(
        category="air",
        description=description,
        location=f"测试地点{region}",
        region_code=region,
        anonymous=False,
        reporter_name="甄举报人W1",
        reporter_phone="13912345678",
    )
    return file_tipoff(session, data, now=now)


@pytest.fixture
def world(app_context, session):
    """Reports in 城关区 (620102), 七里河区 (620103) and 南阳 (411300); regulators of
    兰州 (620100), of 城关区, of 南阳; a grid in 城关区 with one member."""
    people = {
        "lanzhou": create_regulator(session, "lanzhou@example.cn", "620100"),
        "colleague": create_regulator(session, "colleague@example.cn", "620100"),
        "chengguan": create_regulator(session, "chengguan@example.cn", "620102"),
        "nanyang": create_regulator(session, "nanyang@example.cn", "411300"),
        "gridder": create_regulator(session, "gridder@example.cn", "620102"),
    }
    new = _file(session, "620102", now=NOW)  # acceptance due 16 Dec: new
    soon = _file(session, "620102", now=NOW - 14 * DAY)  # due 2 Dec: within 3 working days
    late = _file(session, "620103", now=NOW - 20 * DAY)  # due 26 Nov: 5 days late
    far = _file(session, "411300", now=NOW - 30 * DAY)  # late, but in 南阳
    closed = _file(session, "620102", now=NOW - 40 * DAY)
    accept_tipoff(session, people["lanzhou"], closed.tipoff.id, now=NOW - 39 * DAY)
    close_tipoff(
        session,
        people["lanzhou"],
        closed.tipoff.id,
        outcome="经查属实，已责令整改。",
        substantiated=True,
        confirmed=True,
        now=NOW - 10 * DAY,
    )
    request_reopen(session, closed.tracking_code, closed.secret, "整改后仍在夜间排放")
    grid = create_grid(session, "CG-W1", box=(103.80, 36.00, 103.90, 36.10))
    add_grid_member(session, grid, people["gridder"])
    case = create_case(
        session,
        people["lanzhou"],
        CaseInput(
            origin="regulator",
            case_class="general",
            description="工地扬尘未覆盖，渣土车未密闭。",
            latitude="36.05",
            longitude="103.82",
        ),
        now=NOW - 5 * DAY,
    )
    session.flush()
    return {
        **people,
        "new": new.tipoff,
        "soon": soon.tipoff,
        "late": late.tipoff,
        "far": far.tipoff,
        "closed": closed.tipoff,
        "case": case,
    }


def _refs(bench, kind):
    return [r.ref for r in bench.rows[kind]]


def test_a_city_regulator_sees_new_due_soon_and_overdue_reports_of_the_city_only(world, session):
    bench = workbench(session, world["lanzhou"], now=NOW)
    assert _refs(bench, "new") == [str(world["new"].id)]
    assert _refs(bench, "due_soon") == [str(world["soon"].id)]
    assert _refs(bench, "overdue") == [str(world["late"].id)]  # not 南阳's
    (late,) = bench.rows["overdue"]
    assert late.due == dt.date(2026, 11, 26) and late.days_late == 5
    assert late.subject == "tipoff" and late.code == world["late"].tracking_code
    assert _refs(bench, "reopen") == [str(world["closed"].id)]
    assert bench.soon_until == dt.date(2026, 12, 4)  # three working days after Tuesday


def test_a_district_regulator_sees_nothing_of_the_next_district(world, session):
    bench = workbench(session, world["chengguan"], now=NOW)
    assert _refs(bench, "new") == [str(world["new"].id)]
    assert _refs(bench, "due_soon") == [str(world["soon"].id)]
    assert bench.counts["overdue"] == 0  # 七里河's late report is not theirs


def test_another_provinces_regulator_sees_only_their_own(world, session):
    bench = workbench(session, world["nanyang"], now=NOW)
    assert _refs(bench, "overdue") == [str(world["far"].id)]
    for kind in ("new", "due_soon", "reopen", "adjustment", "objection", "board", "case"):
        assert bench.counts[kind] == 0, kind


def test_no_row_carries_the_reporters_identity(world, session):
    bench = workbench(session, world["lanzhou"], now=NOW)
    text = repr(bench)
    assert "甄举报人W1" not in text and "13912345678" not in text


def test_an_adjustment_waits_on_the_other_regulators_list_not_the_proposers(world, session):
    ent = create_enterprise(session, name="兰州工作台化工有限公司")
    create_rating(session, ent, "blue")
    proposal = propose_adjustment(
        session,
        world["lanzhou"],
        ent,
        to_level="yellow",
        reason="现场检查发现问题",
        evidence="检查记录",
        expires_at=TODAY + 90 * DAY,
        today=TODAY,
    )
    assert workbench(session, world["lanzhou"], now=NOW).counts["adjustment"] == 0
    rows = workbench(session, world["colleague"], now=NOW).rows["adjustment"]
    assert [(r.ref, r.code, r.title) for r in rows] == [
        (str(proposal.id), ent.uscc, "兰州工作台化工有限公司")
    ]
    assert workbench(session, world["nanyang"], now=NOW).counts["adjustment"] == 0


def test_objection_deadlines_and_overdue_board_messages_in_scope(world, session):
    ent = create_enterprise(session, name="兰州异议测试有限公司")
    objection = file_objection(
        session,
        ent,
        target_type="rating",
        target_id=None,
        claim="评价结果有误",
        contact="0931-1234567",
        today=TODAY - 20 * DAY,
    )
    message = BoardMessage(
        region_code="620100",
        category="question",
        title="黄河兰州段水质监测数据在哪里查询",
        body="想了解黄河兰州段的水质监测数据，请问在哪里可以查询到？",
        display_name="城关居民",
        status="published",
        answer_due_on=TODAY - 3 * DAY,
    )
    session.add(message)
    session.flush()
    bench = workbench(session, world["lanzhou"], now=NOW)
    (row,) = bench.rows["objection"]
    assert row.code == objection.reference and row.due == objection.due_at
    assert row.days_late == (TODAY - objection.due_at).days > 0
    (board,) = bench.rows["board"]
    assert board.ref == str(message.id) and board.days_late == 3
    outside = workbench(session, world["nanyang"], now=NOW)
    assert outside.counts["objection"] == outside.counts["board"] == 0


def test_cases_follow_the_grid_queue_or_the_region(world, session):
    code = world["case"].code
    assert _refs(workbench(session, world["gridder"], now=NOW), "case") == [code]
    assert _refs(workbench(session, world["lanzhou"], now=NOW), "case") == [code]
    assert workbench(session, world["nanyang"], now=NOW).counts["case"] == 0
    # a member of a grid elsewhere does not have it on their list
    other = create_grid(session, "CG-E9", box=(104.80, 37.00, 104.90, 37.10))
    stranger = create_regulator(session, "stranger@example.cn", "620102")
    add_grid_member(session, other, stranger)
    assert workbench(session, stranger, now=NOW).counts["case"] == 0
    (row,) = workbench(session, world["gridder"], now=NOW).rows["case"]
    assert row.due is not None and row.days_late >= 0


def test_deadline_figures_of_a_month(world, session):
    """November's reports: accepted on time, rejected late, merged, still open."""
    region = world["lanzhou"]
    a = _file(session, "620102", now=dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC))
    accept_tipoff(session, region, a.tipoff.id, now=dt.datetime(2026, 11, 4, 2, tzinfo=dt.UTC))
    close_tipoff(
        session,
        region,
        a.tipoff.id,
        outcome="已查处。",
        substantiated=True,
        confirmed=True,
        now=dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC),
    )
    b = _file(session, "620103", now=dt.datetime(2026, 11, 3, 2, tzinfo=dt.UTC))
    reject_tipoff(
        session,
        region,
        b.tipoff.id,
        reason="不属于本部门职责",
        confirmed=True,
        now=dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC),  # after 18 Nov: late
    )
    c = _file(session, "620102", now=dt.datetime(2026, 11, 5, 2, tzinfo=dt.UTC))
    mark_duplicate(
        session,
        region,
        c.tipoff.id,
        original=a.tracking_code,
        confirmed=True,
        now=dt.datetime(2026, 11, 6, 2, tzinfo=dt.UTC),
    )
    report = deadline_report(session, region, region="620100", month="2026-11", today=TODAY)
    t = report.total
    # plus the fixture's two November reports: "soon" (received 17 Nov, due 2 Dec) and
    # "late" (received 11 Nov, acceptance due 26 Nov, still waiting)
    assert t.received == 5
    assert (t.accepted_on_time, t.acceptance_due) == (2, 4)  # a, c on time; b late; late waits
    assert t.acceptance_rate == 0.5
    assert t.mean_days_to_acceptance == 2.0
    assert (t.closed_on_time, t.closure_due) == (2, 2)  # a closed and c merged, on time
    assert t.mean_days_to_closure == 24.0
    assert t.open == 2 and t.ageing == [1, 1, 0, 0, 0]  # 14 and 20 days old
    assert {f.region_code for f in report.rows} == {"620102", "620103"}
    csv_text = deadlines_csv(report)
    assert csv_text.startswith("\ufeffrow,month,region_code")
    assert csv_text.splitlines()[-1].startswith("total,2026-11,620100,")
    district = deadline_report(session, region, region="620103", month="2026-11", today=TODAY)
    assert district.total.received == 2


def test_deadline_figures_refuse_bad_input_and_other_regions(world, session):
    with pytest.raises(Invalid):
        deadline_report(session, world["lanzhou"], region="62", month="2026-11", today=TODAY)
    with pytest.raises(Invalid):
        deadline_report(session, world["lanzhou"], region="", month="2026-13", today=TODAY)
    with pytest.raises(Forbidden):
        deadline_report(session, world["chengguan"], region="620103", month="", today=TODAY)
    with pytest.raises(Forbidden):
        deadline_report(session, world["nanyang"], region="620100", month="", today=TODAY)


def test_destructive_services_refuse_without_confirmation_and_store_nothing(world, session):
    lanzhou, new, closed = world["lanzhou"], world["new"], world["closed"]
    session.flush()

    def steps(tipoff):
        return session.scalar(
            select(func.count()).select_from(TipOffEvent).where(TipOffEvent.tipoff_id == tipoff.id)
        )

    before = steps(new), steps(closed)
    attempts = [
        lambda: reject_tipoff(session, lanzhou, new.id, reason="不属于本部门职责"),
        lambda: mark_duplicate(session, lanzhou, new.id, original=world["soon"].tracking_code),
        lambda: decide_reopen(session, lanzhou, closed.id, reopen=False, note="维持原结果"),
    ]
    for attempt in attempts:
        with pytest.raises(Invalid) as refused:
            attempt()
        assert "confirm" in refused.value.errors
    accept_tipoff(session, lanzhou, world["soon"].id)
    with pytest.raises(Invalid, match="确认"):
        close_tipoff(session, lanzhou, world["soon"].id, outcome="已查处。", substantiated=True)
    assert (new.status, new.duplicate_of_id) == ("received", None)
    assert closed.reopen_requested_at is not None and world["soon"].status == "accepted"
    assert (steps(new), steps(closed)) == before  # no timeline step either
