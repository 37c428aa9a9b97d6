"""credit.transfers: a tip-off moves to another region, grid or agency with a reason, is
pending until the receiver acknowledges it, keeps its deadlines and tells the reporter where
it went (never who moved it); scopes, bad input and the agencies file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.audit import AuditEvent
from core.errors import Conflict, Forbidden, Invalid
from credit.supervision.models import CaseEvent, SupervisionCase
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.outcome import close_tipoff, mark_duplicate
from credit.tipoffs.tracking import public_view
from credit.tipoffs.workflow import accept_tipoff, assign_tipoff, get_tipoff
from credit.transfers.agencies import AgenciesFileError, agencies, parse_agencies
from credit.transfers.listing import count_incoming, list_transfers, tipoff_page
from credit.transfers.models import TipoffTransfer
from credit.transfers.transferring import (
    TransferRequest,
    acknowledge_transfer,
    transfer_tipoff,
    withdraw_transfer,
)
from tests.factories import add_grid_member, create_grid, create_regulator

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=3)
TODAY = dt.date(2026, 12, 1)
NAME, PHONE = "甄举报人T5", "13912345678"
REASON = "污染源位于嘉峪关市境内，应由属地办理"


@pytest.fixture
def world(app_context, session):
    """Regulators of 兰州 (the sender), 嘉峪关 (a receiver), 甘肃 (province), 北京, and a
    street grid in 城关区 with a member and a member of another grid."""
    street = create_grid(session, "TG-S1", box=(103.80, 36.00, 103.90, 36.10))
    other = create_grid(session, "TG-S2", box=(104.00, 36.00, 104.10, 36.10))
    people = {
        "lanzhou": create_regulator(session, "lanzhou@example.cn", "620100"),
        "lanzhou2": create_regulator(session, "lanzhou2@example.cn", "620100"),
        "jyg": create_regulator(session, "jyg@example.cn", "620200"),
        "gansu": create_regulator(session, "gansu@example.cn", "620000"),
        "beijing": create_regulator(session, "beijing@example.cn", "110100"),
        "member": create_regulator(session, "member@example.cn", "620102"),
        "stranger": create_regulator(session, "stranger@example.cn", "620102"),
    }
    add_grid_member(session, street, people["member"])
    add_grid_member(session, other, people["stranger"])
    session.flush()
    return {"street": street, "other": other, **people}


def _file(session, region="620100", **kw):
    data = TipOffInput(
        category="air",
        description=kw.pop("description", "化工厂夜间排放刺鼻黑烟很严重"),
        location="西固区",
        region_code=region,
        anonymous=False,
        reporter_name=NAME,
        reporter_phone=PHONE,
        **kw,
    )
    return file_tipoff(session, data, now=NOW).tipoff


def _send(session, user, tipoff, kind="region", target="620200", reason=REASON):
    return transfer_tipoff(session, user, tipoff.id, TransferRequest(kind, target, reason), now=NOW)


def _public_text(session, tipoff) -> str:
    return json.dumps(public_view(session, tipoff, TODAY), default=str, ensure_ascii=False)


def test_region_transfer_is_pending_until_the_receiver_acknowledges(session, world):
    tipoff = _file(session)
    accept_tipoff(session, world["lanzhou"], tipoff.id, now=NOW)
    due, accept_due = tipoff.due_at, tipoff.accept_due_at
    transfer = _send(session, world["lanzhou"], tipoff)
    assert transfer.acknowledged_at is None and transfer.to_name == "嘉峪关市"
    assert transfer.from_region_code == "620100" and transfer.transferred_by == world["lanzhou"].id
    # pending: still the sender's; not yet in the receiver's scope, but on their list
    assert get_tipoff(session, world["lanzhou"], tipoff.id) is tipoff
    with pytest.raises(Forbidden):
        get_tipoff(session, world["jyg"], tipoff.id)
    incoming = list_transfers(session, world["jyg"], TODAY)["incoming"]
    assert [r.transfer.id for r in incoming] == [transfer.id]
    assert (
        count_incoming(session, world["jyg"]) == 1
        and count_incoming(session, world["beijing"]) == 0
    )
    assert [
        r.transfer.id for r in list_transfers(session, world["lanzhou2"], TODAY)["outgoing"]
    ] == [transfer.id]
    assert list_transfers(session, world["beijing"], TODAY)["incoming"] == []

    acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    assert transfer.acknowledged_by == world["jyg"].id and transfer.acknowledged_at == LATER
    assert tipoff.region_code == "620200"
    assert get_tipoff(session, world["jyg"], tipoff.id) is tipoff
    with pytest.raises(Forbidden):
        get_tipoff(session, world["lanzhou"], tipoff.id)
    # the deadline clock does not reset
    assert (tipoff.due_at, tipoff.accept_due_at) == (due, accept_due)
    assert list_transfers(session, world["jyg"], TODAY)["incoming"] == []
    session.commit()
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject == f"tipoff:{tipoff.id}")
    ).all()
    assert "tipoff.transfer" in actions and "tipoff.transfer_acknowledge" in actions


def test_the_reporter_reads_where_it_went_and_the_same_deadline_but_no_names(session, world):
    tipoff = _file(session)
    due = tipoff.due_at
    transfer = _send(session, world["lanzhou"], tipoff)
    acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    view = public_view(session, tipoff, TODAY)
    assert view["due_at"] == due
    notes = [e["note"] for e in view["timeline"] if e["kind"].startswith("transfer")]
    assert notes[0].startswith(f"已移送至 嘉峪关市（原因：{REASON}）")
    assert notes[1].startswith(f"嘉峪关市 已签收，办理期限仍为 {due.isoformat()}")
    assert {e["actor"] for e in view["timeline"] if e["kind"].startswith("transfer")} == {
        "regulator"
    }
    text = _public_text(session, tipoff)
    for hidden in ("lanzhou", "jyg", f"user:{world['lanzhou'].id}", NAME, PHONE):
        assert hidden not in text


def test_officers_outside_the_receiving_region_cannot_acknowledge(session, world):
    tipoff = _file(session)
    transfer = _send(session, world["lanzhou"], tipoff)
    for outsider in ("beijing", "lanzhou2", "member"):
        with pytest.raises(Forbidden):
            acknowledge_transfer(session, world[outsider], transfer.id, now=LATER)
    assert transfer.acknowledged_at is None and tipoff.region_code == "620100"
    assert list_transfers(session, world["beijing"], TODAY)["incoming"] == []


def test_no_one_acknowledges_their_own_transfer(session, world):
    tipoff = _file(session)
    transfer = _send(session, world["gansu"], tipoff)  # the province covers both regions
    with pytest.raises(Forbidden):
        acknowledge_transfer(session, world["gansu"], transfer.id, now=LATER)
    assert list_transfers(session, world["gansu"], TODAY)["incoming"] == []
    acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    with pytest.raises(Conflict):
        acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)


def test_grid_transfer_opens_a_case_in_the_grid_once_a_member_acknowledges(session, world):
    tipoff = _file(session)
    transfer = _send(session, world["lanzhou"], tipoff, "grid", "TG-S1", "属于该网格的巡查范围")
    assert transfer.to_grid_id == world["street"].id and transfer.to_region_code == "620102"
    assert [r.transfer.id for r in list_transfers(session, world["member"], TODAY)["incoming"]] == [
        transfer.id
    ]
    assert list_transfers(session, world["stranger"], TODAY)["incoming"] == []
    with pytest.raises(Forbidden):
        acknowledge_transfer(session, world["stranger"], transfer.id, now=LATER)
    assert (
        session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
        is None
    )
    acknowledge_transfer(session, world["member"], transfer.id, now=LATER)
    case = session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
    assert case is not None and case.handling_grid_id == world["street"].id
    assert tipoff.region_code == "620102"


def test_grid_transfer_moves_the_existing_case_to_the_receiving_grid(session, world):
    tipoff = _file(session, region=None, latitude="36.05", longitude="103.85")
    case = session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
    assert case is not None and case.handling_grid_id == world["street"].id
    transfer = _send(session, world["member"], tipoff, "grid", "TG-S2", "属于相邻网格")
    assert transfer.from_grid_id == world["street"].id
    acknowledge_transfer(session, world["stranger"], transfer.id, now=LATER)
    assert case.handling_grid_id == world["other"].id
    kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert "transferred" in kinds


def test_a_case_in_a_grid_goes_to_a_grid_not_to_a_region(session, world):
    tipoff = _file(session, region=None, latitude="36.05", longitude="103.85")
    case = session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
    case.status, case.rectify_due_at = "dispatched", NOW
    with pytest.raises(Conflict):
        _send(session, world["member"], tipoff)


def test_agency_transfer_is_acknowledged_by_the_sending_office(session, world):
    tipoff = _file(session)
    assert agencies()[0].zh == "市住建局"
    transfer = _send(session, world["lanzhou"], tipoff, "agency", "市住建局", "属于建筑施工噪声")
    assert transfer.to_agency == "市住建局" and transfer.to_region_code is None
    with pytest.raises(Forbidden):
        acknowledge_transfer(session, world["jyg"], transfer.id, note="已签收", now=LATER)
    with pytest.raises(Invalid):  # how the agency confirmed receipt is required
        acknowledge_transfer(session, world["lanzhou2"], transfer.id, now=LATER)
    incoming = list_transfers(session, world["lanzhou2"], TODAY)["incoming"]
    assert [r.transfer.id for r in incoming] == [transfer.id]
    acknowledge_transfer(
        session, world["lanzhou"], transfer.id, note="住建局办公室签收，文号 2026-88", now=LATER
    )
    assert transfer.receipt_note.startswith("住建局办公室") and tipoff.region_code == "620100"
    view = public_view(session, tipoff, TODAY)
    notes = [e["text"] for e in view["timeline"] if e["kind"].startswith("transfer")]
    assert notes[0].zh.startswith("已移送至 市住建局") and "City Housing" in notes[0].en
    assert "文号" not in _public_text(session, tipoff)


@pytest.mark.parametrize(
    ("kind", "target", "reason", "field"),
    [
        ("mars", "620200", REASON, "target_kind"),
        ("region", "", REASON, "target"),
        ("region", "999999", REASON, "target"),
        ("region", "620100", REASON, "target"),  # where it is already
        ("grid", "NO-SUCH", REASON, "target"),
        ("agency", "市不存在局", REASON, "target"),
        ("region", "620200", "好", "reason"),
        ("region", "620200", "x" * 1001, "reason"),
        ("region", "620200", f"请联系 {PHONE}", "reason"),
        ("region", "620200", f"{NAME}要求移送", "reason"),
        ("region", "620200", "lanzhou2 认为应移送", "reason"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(session, world, kind, target, reason, field):
    tipoff = _file(session)
    with pytest.raises(Invalid) as caught:
        _send(session, world["lanzhou"], tipoff, kind, target, reason)
    assert field in caught.value.errors
    assert NAME not in str(caught.value) and PHONE not in str(caught.value)
    assert session.scalar(select(func.count()).select_from(TipoffTransfer)) == 0
    assert tipoff.region_code == "620100"


def test_a_report_moves_once_at_a_time_and_never_when_it_is_done(session, world):
    tipoff = _file(session)
    _send(session, world["lanzhou"], tipoff)
    with pytest.raises(Conflict):
        _send(session, world["lanzhou"], tipoff, "agency", "市水务局")
    done = _file(session)
    accept_tipoff(session, world["lanzhou"], done.id, now=NOW)
    close_tipoff(
        session,
        world["lanzhou"],
        done.id,
        outcome="已查处",
        substantiated=True,
        now=NOW,
        confirmed=True,
    )
    with pytest.raises(Conflict):
        _send(session, world["lanzhou"], done)
    with pytest.raises(Forbidden):
        _send(session, world["beijing"], _file(session))


def test_a_merged_report_shows_its_originals_transfer(session, world):
    original, copy = _file(session), _file(session, description="同一家化工厂又在夜间冒黑烟")
    mark_duplicate(
        session, world["lanzhou"], copy.id, original=original.tracking_code, now=NOW, confirmed=True
    )
    with pytest.raises(Conflict):
        _send(session, world["lanzhou"], copy)
    _send(session, world["lanzhou"], original)
    kinds = [e["kind"] for e in public_view(session, copy, TODAY)["timeline"]]
    assert "transferred" in kinds


def test_an_assignee_outside_the_new_region_is_released(session, world):
    tipoff = _file(session)
    accept_tipoff(session, world["lanzhou"], tipoff.id, now=NOW)
    assign_tipoff(session, world["lanzhou"], tipoff.id, assignee_id=world["lanzhou2"].id, now=NOW)
    transfer = _send(session, world["lanzhou"], tipoff)
    acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    assert tipoff.assigned_to is None and tipoff.status == "accepted"


def test_the_regulator_page_data_holds_the_history_with_officer_names(session, world):
    tipoff = _file(session)
    transfer = _send(session, world["lanzhou"], tipoff)
    page = tipoff_page(session, world["lanzhou"], tipoff.id, TODAY)
    panel = page["transfers"]
    assert panel.pending is transfer and not panel.may_transfer
    assert panel.history[0].sender == "lanzhou" and panel.history[0].from_name == "兰州市"
    acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    panel = tipoff_page(session, world["jyg"], tipoff.id, TODAY)["transfers"]
    assert panel.pending is None and panel.may_transfer and panel.history[0].acknowledger == "jyg"


def test_the_agencies_file_is_validated():
    assert parse_agencies('[[agency]]\nzh = "市林草局"\nen = "Forestry"\n')[0].en == "Forestry"
    for bad in ("", "agency = 1", '[[agency]]\nzh = ""\nen = "x"', '[[agency]]\nzh = "甲"'):
        with pytest.raises(AgenciesFileError):
            parse_agencies(bad)
    twice = '[[agency]]\nzh = "甲局"\nen = "A"\n[[agency]]\nzh = "甲局"\nen = "B"\n'
    with pytest.raises(AgenciesFileError, match="twice"):
        parse_agencies(twice)


def test_the_sender_withdraws_a_pending_transfer_and_may_send_it_again(session, world):
    tipoff = _file(session)
    transfer = _send(session, world["lanzhou"], tipoff)
    with pytest.raises(Forbidden):
        withdraw_transfer(session, world["jyg"], transfer.id, now=LATER)
    withdraw_transfer(session, world["lanzhou2"], transfer.id, now=LATER)
    assert transfer.withdrawn_by == world["lanzhou2"].id and tipoff.region_code == "620100"
    with pytest.raises(Conflict):
        acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    with pytest.raises(Conflict):
        withdraw_transfer(session, world["lanzhou"], transfer.id, now=LATER)
    assert list_transfers(session, world["jyg"], TODAY)["incoming"] == []
    notes = [e["note"] for e in public_view(session, tipoff, TODAY)["timeline"]]
    assert any(n and n.startswith("移送至 嘉峪关市 已撤回") for n in notes)
    again = _send(session, world["lanzhou"], tipoff, "agency", "市水务局", "属于水务部门职责")
    assert again.id != transfer.id


def test_a_report_closed_while_pending_is_not_acknowledged(session, world):
    tipoff = _file(session)
    accept_tipoff(session, world["lanzhou"], tipoff.id, now=NOW)
    transfer = _send(session, world["lanzhou"], tipoff)
    close_tipoff(
        session,
        world["lanzhou"],
        tipoff.id,
        outcome="已查处",
        substantiated=True,
        now=NOW,
        confirmed=True,
    )
    assert list_transfers(session, world["jyg"], TODAY)["incoming"] == []
    with pytest.raises(Conflict):
        acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    withdraw_transfer(session, world["lanzhou"], transfer.id, now=LATER)


def test_a_region_transfer_takes_a_case_still_found_out_of_its_grid(session, world):
    tipoff = _file(session, region=None, latitude="36.05", longitude="103.85")
    case = session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))
    assert case.status == "found" and case.grid_id == world["street"].id
    transfer = _send(session, world["member"], tipoff, "region", "620200")
    acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    assert (case.region_code, case.grid_id, case.handling_grid_id) == ("620200", None, None)
    assert tipoff.region_code == "620200"


def test_the_database_holds_one_pending_transfer_per_report(session, world):
    tipoff = _file(session)
    first = _send(session, world["lanzhou"], tipoff)
    copy = {
        c.name: getattr(first, c.name) for c in TipoffTransfer.__table__.columns if c.name != "id"
    }
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(TipoffTransfer(**copy))
        session.flush()
    withdraw_transfer(session, world["lanzhou"], first.id, now=LATER)
    session.add(TipoffTransfer(**copy))
    session.flush()  # a withdrawn one does not count


def test_the_receivers_workbench_lists_the_transfer_until_acknowledged(session, world):
    from credit.workbench.todo import workbench

    tipoff = _file(session)
    accept_tipoff(session, world["lanzhou"], tipoff.id, now=NOW)
    transfer = _send(session, world["lanzhou"], tipoff)
    rows = workbench(session, world["jyg"]).rows["transfer"]
    assert [(r.ref, r.code, r.due) for r in rows] == [
        (str(tipoff.id), tipoff.tracking_code, tipoff.due_at)
    ]
    assert workbench(session, world["beijing"]).counts["transfer"] == 0
    acknowledge_transfer(session, world["jyg"], transfer.id, now=LATER)
    assert workbench(session, world["jyg"]).counts["transfer"] == 0
