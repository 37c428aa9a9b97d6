"""Regulators' tip-off queue: region scope, the handling steps, deadlines, duplicates, reopen."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.changelog import ChangeLog
from core.errors import Conflict, Forbidden, Invalid
from credit.records.models import Inspection
from credit.tipoffs.attachments import prepare_uploads
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import Attachment, TipOff
from credit.tipoffs.outcome import close_tipoff, decide_reopen, mark_duplicate
from credit.tipoffs.tracking import add_information, request_reopen, track
from credit.tipoffs.workflow import (
    QueueFilter,
    accept_tipoff,
    assign_tipoff,
    classify_tipoff,
    extend_tipoff,
    list_queue,
    reject_tipoff,
    start_investigation,
)
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.disclosure.test_tipoffs import jpeg_with_gps
from tests.factories import create_enterprise

NAME, PHONE, EMAIL = "甄举报人Q7", "13912345678", "whistle.q7@example.org"


@pytest.fixture(autouse=True)
def _services_in_app_context(request):
    """Tip-off services hash secrets with the app's HASH_KEY, so they run in its context;
    tests that also send requests push it only around those calls."""
    if "client" not in request.fixturenames:
        request.getfixturevalue("app_context")


def _file(session, *, enterprise=None, region="620100", now=None, **kw):
    data = TipOffInput(
        category=kw.pop("category", "air"),
        description=kw.pop("description", "化工厂夜间排放刺鼻黑烟很严重"),
        location="西固区",
        region_code=None if enterprise else region,
        enterprise=enterprise.uscc if enterprise else None,
        **kw,
    )
    return file_tipoff(session, data, now=now)


def _named(session, **kw):
    return _file(
        session,
        anonymous=False,
        reporter_name=NAME,
        reporter_phone=PHONE,
        reporter_email=EMAIL,
        **kw,
    )


def _act(client, tipoff_id, action, **data):
    token = csrf_token(client, "/regulator/tipoffs/")
    return client.post(
        f"/regulator/tipoffs/{tipoff_id}/{action}", data={"csrf_token": token, **data}
    )


def test_whole_handling_through_the_pages_creates_an_inspection(app, client, session, regulator):
    ent = create_enterprise(session, name="兰州举报测试化工有限公司")
    with app.app_context():
        filed = _named(session, enterprise=ent)
    session.commit()
    tid = filed.tipoff.id
    login(client, regulator.email)
    detail = client.get(f"/regulator/tipoffs/{tid}").get_data(as_text=True)
    assert NAME in detail and PHONE in detail  # the handling regulator sees the reporter
    for action in ("accept", "reject", "classify", "duplicate", "reward"):
        assert f'action="/regulator/tipoffs/{tid}/{action}"' in detail, action
    for action, data in (
        ("accept", {}),
        ("assign", {"assignee": str(regulator.id)}),
        ("classify", {"severity": "major"}),
        ("investigate", {}),
        (
            "close",
            {
                "outcome": "经现场检查，该公司废气处理设施未运行，已责令整改。",
                "substantiated": "yes",
                "confirm": "yes",  # the second step: 办结 is confirmed
            },
        ),
    ):
        response = _act(client, tid, action, **data)
        assert response.status_code == 303, action
    session.expire_all()
    tipoff = session.get(TipOff, tid)
    assert tipoff.status == "closed" and tipoff.substantiated and tipoff.severity == "major"
    inspection = session.scalar(select(Inspection).where(Inspection.tipoff_id == tid))
    assert inspection.enterprise_id == ent.id and inspection.kind == "complaint"
    assert inspection.outcome == "issues_found" and inspection.agency == "兰州市生态环境局"
    changes = {(c.entity, c.entity_id) for c in session.scalars(select(ChangeLog))}
    assert ("inspection", str(inspection.id)) in changes and ("enterprise", ent.uscc) in changes
    with app.app_context():
        view = track(session, filed.tracking_code, filed.secret)
    assert view["status"] == "closed" and view["substantiated"] is True
    assert [e["kind"] for e in view["timeline"]] == [
        "received",
        "accepted",
        "assigned",
        "classified",
        "investigating",
        "closed",
    ]


def test_audit_log_has_every_step_and_no_reporter_identity(session, regulator):
    filed = _named(session)
    accept_tipoff(session, regulator, filed.tipoff.id)
    start_investigation(session, regulator, filed.tipoff.id)
    close_tipoff(
        session, regulator, filed.tipoff.id, outcome="已查处", substantiated=False, confirmed=True
    )
    session.commit()
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == [
        "tipoff.file",
        "tipoff.accept",
        "tipoff.investigate",
        "tipoff.close",
    ]
    dump = repr([(e.actor, e.subject, e.detail) for e in events])
    assert NAME not in dump and PHONE not in dump and EMAIL not in dump


def test_another_regions_regulator_gets_403(app, client, session, regulator):
    with app.app_context():
        filed = _file(session)
    session.commit()
    outsider = make_regulator(session, "nanyang@example.cn", region="411300")
    with pytest.raises(Forbidden):
        accept_tipoff(session, outsider, filed.tipoff.id)
    session.rollback()  # release the row lock the refused call took
    login(client, outsider.email)
    assert client.get(f"/regulator/tipoffs/{filed.tipoff.id}").status_code == 403
    assert _act(client, filed.tipoff.id, "accept").status_code == 403
    queue = client.get("/regulator/tipoffs/").get_data(as_text=True)
    assert filed.tracking_code not in queue
    session.expire_all()
    assert session.get(TipOff, filed.tipoff.id).status == "received"


def test_queue_requires_login(client):
    response = client.get("/regulator/tipoffs/")
    assert response.status_code == 302 and "/regulator/login" in response.headers["Location"]


def test_extension_only_once_and_at_most_30_days(session, regulator):
    filed = _file(session)
    accept_tipoff(session, regulator, filed.tipoff.id)
    due = filed.tipoff.due_at
    with pytest.raises(Invalid):
        extend_tipoff(session, regulator, filed.tipoff.id, days=31, reason="需要检测")
    with pytest.raises(Invalid):
        extend_tipoff(session, regulator, filed.tipoff.id, days=10, reason="  ")
    extend_tipoff(session, regulator, filed.tipoff.id, days=30, reason="需等待第三方检测报告")
    assert filed.tipoff.due_at == due + dt.timedelta(days=30)
    with pytest.raises(Conflict):
        extend_tipoff(session, regulator, filed.tipoff.id, days=1, reason="再延一次")
    view = track(session, filed.tracking_code, filed.secret)
    assert view["extended"] and view["extension_reason"] == "需等待第三方检测报告"


def test_extension_through_the_page_flashes_the_refusal(app, client, session, regulator):
    with app.app_context():
        filed = _file(session)
    accept_tipoff(session, regulator, filed.tipoff.id)
    session.commit()
    login(client, regulator.email)
    _act(client, filed.tipoff.id, "extend", days="31", reason="太久")
    page = client.get(f"/regulator/tipoffs/{filed.tipoff.id}").get_data(as_text=True)
    assert "1–30" in page
    session.expire_all()
    assert session.get(TipOff, filed.tipoff.id).extension_reason is None


def test_steps_out_of_order_are_conflicts(session, regulator):
    filed = _file(session)
    with pytest.raises(Conflict):
        close_tipoff(
            session, regulator, filed.tipoff.id, outcome="x", substantiated=True, confirmed=True
        )
    with pytest.raises(Conflict):
        start_investigation(session, regulator, filed.tipoff.id)
    reject_tipoff(
        session, regulator, filed.tipoff.id, reason="不属于生态环境部门职责", confirmed=True
    )
    with pytest.raises(Conflict):
        accept_tipoff(session, regulator, filed.tipoff.id)
    with pytest.raises(Conflict):
        classify_tipoff(session, regulator, filed.tipoff.id, severity="major")
    with pytest.raises(Invalid):
        classify_tipoff(session, regulator, _file(session).tipoff.id, severity="huge")


def test_assignee_must_work_in_the_region(session, regulator):
    filed = _file(session)
    accept_tipoff(session, regulator, filed.tipoff.id)
    outsider = make_regulator(session, "far@example.cn", region="411300")
    with pytest.raises(Invalid):
        assign_tipoff(session, regulator, filed.tipoff.id, assignee_id=outsider.id)
    assign_tipoff(session, regulator, filed.tipoff.id, assignee_id=regulator.id)
    assert filed.tipoff.status == "assigned" and filed.tipoff.assigned_to == regulator.id


def test_rejection_reason_reaches_the_reporter(session, regulator):
    filed = _file(session)
    reject_tipoff(
        session, regulator, filed.tipoff.id, reason="属于市场监管部门职责，已告知", confirmed=True
    )
    view = track(session, filed.tracking_code, filed.secret)
    assert view["status"] == "rejected" and view["reject_reason"] == "属于市场监管部门职责，已告知"
    assert view["may_reopen"]


def test_overdue_reports_are_highlighted_and_filterable(app, client, session, regulator):
    with app.app_context():
        old = _file(session, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
        fresh = _file(session, category="water")
    session.commit()
    today = dt.date.today()
    page = list_queue(session, regulator, QueueFilter(overdue=True), today)
    assert [r.tipoff.id for r in page.rows] == [old.tipoff.id] and page.rows[0].overdue
    water = list_queue(session, regulator, QueueFilter(category="water"), today)
    assert [r.tipoff.id for r in water.rows] == [fresh.tipoff.id]
    newest = list_queue(session, regulator, QueueFilter(sort="newest", status="bogus"), today)
    assert [r.tipoff.id for r in newest.rows] == [fresh.tipoff.id, old.tipoff.id]
    login(client, regulator.email)
    html = client.get("/regulator/tipoffs/?sort=deadline").get_data(as_text=True)
    assert 'class="overdue"' in html and html.index(old.tracking_code) < html.index(
        fresh.tracking_code
    )


def test_duplicate_follows_the_original(session, regulator):
    original = _file(session)
    dup = _file(session, description="同一家工厂又在冒黑烟，气味很大")
    other = _file(session, description="同一问题的第三件举报内容")
    original_note = "原举报人补充：烟囱在北侧"
    add_information(session, original.tracking_code, original.secret, original_note)
    mark_duplicate(session, regulator, other.tipoff.id, original=dup.tracking_code, confirmed=True)
    mark_duplicate(
        session, regulator, dup.tipoff.id, original=original.tracking_code, confirmed=True
    )
    assert other.tipoff.duplicate_of_id == original.tipoff.id  # re-pointed to the root
    with pytest.raises(Invalid):
        mark_duplicate(
            session, regulator, original.tipoff.id, original=str(original.tipoff.id), confirmed=True
        )
    accept_tipoff(session, regulator, original.tipoff.id)
    view = track(session, dup.tracking_code, dup.secret)
    assert view["merged"] and view["status"] == "accepted"
    assert view["description"] == "同一家工厂又在冒黑烟，气味很大"
    assert all(e["note"] != original_note for e in view["timeline"])
    assert "accepted" in [e["kind"] for e in view["timeline"]]


def test_reopen_withdraws_the_inspection_until_closed_again(session, regulator):
    ent = create_enterprise(session)
    filed = _file(session, enterprise=ent)
    accept_tipoff(session, regulator, filed.tipoff.id)
    close_tipoff(
        session,
        regulator,
        filed.tipoff.id,
        outcome="查实超标排放",
        substantiated=True,
        confirmed=True,
    )
    request_reopen(session, filed.tracking_code, filed.secret, "整改后仍在夜间排放")
    with pytest.raises(Conflict):
        request_reopen(session, filed.tracking_code, filed.secret, "再次申请重新处理")
    decide_reopen(session, regulator, filed.tipoff.id, reopen=True, note="重新调查")
    inspection = session.scalar(select(Inspection).where(Inspection.tipoff_id == filed.tipoff.id))
    assert filed.tipoff.status == "investigating" and filed.tipoff.substantiated is None
    assert inspection.withdrawn_at is not None
    close_tipoff(
        session, regulator, filed.tipoff.id, outcome="再次查实", substantiated=True, confirmed=True
    )
    assert inspection.withdrawn_at is None and inspection.findings.endswith("再次查实")
    assert session.scalar(select(func.count()).select_from(Inspection)) == 1


def test_regulator_downloads_attachment_as_a_file(app, client, session, regulator):
    prepared = prepare_uploads([("x.jpg", jpeg_with_gps())])
    with app.app_context():
        filed = file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="工厂排放黑烟十分严重",
                location="x",
                region_code="620100",
            ),
            attachments=prepared,
            upload_dir=app.config["UPLOAD_DIR"],
        )
    session.commit()
    login(client, regulator.email)
    page = client.get(f"/regulator/tipoffs/{filed.tipoff.id}").get_data(as_text=True)
    assert "x.jpg" in page
    att_id = session.scalar(select(Attachment.id))
    with client.get(f"/regulator/tipoffs/{filed.tipoff.id}/attachments/{att_id}") as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/regulator/tipoffs/{filed.tipoff.id}/attachments/999999").status_code == 404
