"""The workbench pages: the to-do list, the deadlines page and its CSV, officers' names on
timelines (never on public pages), and destructive actions that a crafted POST cannot run
without their second step."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.db import utcnow
from credit.cases.models import Objection, RatingAdjustment
from credit.cases.objections import file_objection
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.flow import dispatch_case, rectify_case, report_result, verify_case
from credit.supervision.models import SupervisionCase
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from credit.tipoffs.outcome import close_tipoff
from credit.tipoffs.tracking import request_reopen
from credit.tipoffs.workflow import accept_tipoff
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.disclosure.test_tipoffs import track
from tests.factories import create_enterprise, create_grid, create_rating, ensure_reference

OFFICER = "王晓明"  # the officer's name shown on timelines


@pytest.fixture
def people(session):
    officer = make_regulator(session, "wangxm@example.cn", "620100")
    officer.name = OFFICER
    colleague = make_regulator(session, "colleague@example.cn", "620100")
    outsider = make_regulator(session, "nanyang@example.cn", "411300")
    session.commit()
    return {"officer": officer, "colleague": colleague, "outsider": outsider}


def _file(app, session, region="620102", **kw):
    ensure_reference(session, region)
    with app.app_context():
        filed = file_tipoff(
            session,
            TipOffInput(
                category="air",
                description=kw.pop("description", "化工厂夜间排放刺鼻黑烟很严重"),
                location="西固区",
                region_code=region,
                anonymous=False,
                reporter_name="甄举报人P2",
                reporter_phone="13912345678",
            ),
            now=kw.pop("now", None),
        )
    session.commit()
    return filed


def _post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/regulator/"), **data})


def _fresh(session):
    """End the test's read snapshot and forget loaded rows (what the app wrote shows)."""
    session.rollback()
    session.expire_all()


def _status(session, tipoff_id):
    _fresh(session)
    return session.get(TipOff, tipoff_id).status


def _audits(session):
    _fresh(session)
    return session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_dashboard_lists_my_to_do_rows_with_links_and_not_others(app, client, session, people):
    mine = _file(app, session, now=utcnow() - dt.timedelta(days=20))  # acceptance overdue
    fresh = _file(app, session)
    theirs = _file(app, session, region="411300")
    login(client, people["officer"].email)
    page = client.get("/regulator/").get_data(as_text=True)
    assert 'id="todo-overdue"' in page and 'id="todo-new"' in page
    assert f'href="/regulator/tipoffs/{mine.tipoff.id}"' in page
    assert f'href="/regulator/tipoffs/{fresh.tipoff.id}"' in page
    assert theirs.tracking_code not in page
    assert "超期 5 天" in page and 'data-label="期限"' in page  # days late; phone labels
    assert "甄举报人P2" not in page and "13912345678" not in page
    english = client.get("/regulator/?lang=en").get_data(as_text=True)
    assert "Overdue" in english and "5 days late" in english


def test_deadlines_page_and_csv_for_a_region_and_month(app, client, session, people):
    filed = _file(app, session)
    month = filed.tipoff.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m")
    login(client, people["officer"].email)
    page = client.get(f"/regulator/deadlines?region=620100&month={month}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "按期受理率" in text and "620102" in text
    download = client.get(f"/regulator/deadlines.csv?region=620100&month={month}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert f"deadlines-620100-{month}.csv" in download.headers["Content-Disposition"]
    body = download.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [(r["row"], r["region_code"], r["received"]) for r in rows] == [
        ("region", "620102", "1"),
        ("total", "620100", "1"),
    ]
    assert client.get("/regulator/deadlines?month=2026-13").status_code == 422
    assert client.get("/regulator/deadlines.csv?region=411300").status_code == 403
    assert client.get("/regulator/deadlines?region=abc").status_code == 422


def test_tipoff_timeline_names_the_officer_and_the_public_page_the_office(
    app, client, session, people
):
    filed = _file(app, session)
    login(client, people["officer"].email)
    assert _post(client, f"/regulator/tipoffs/{filed.tipoff.id}/accept").status_code == 303
    detail = client.get(f"/regulator/tipoffs/{filed.tipoff.id}").get_data(as_text=True)
    timeline = detail.split('class="timeline"')[1]
    assert OFFICER in timeline and f"user:{people['officer'].id}" not in timeline
    with client.session_transaction() as cookie:
        cookie.clear()  # the reporter's view
    public = track(client, filed.tracking_code, filed.secret).get_data(as_text=True)
    assert OFFICER not in public  # the office, never the person
    assert "城关区生态环境局" in public.split('class="timeline"')[1]


DESTRUCTIVE = [
    ("reject", {"reason": "不属于生态环境部门职责"}, "rejected"),
    ("close", {"outcome": "经查属实，已责令整改。", "substantiated": "yes"}, "closed"),
]


@pytest.mark.parametrize(("action", "data", "after"), DESTRUCTIVE)
def test_a_destructive_tipoff_action_needs_its_second_step(
    app, client, session, people, action, data, after
):
    filed = _file(app, session)
    tid = filed.tipoff.id
    if action == "close":
        with app.app_context():
            accept_tipoff(session, people["officer"], tid)
        session.commit()
    login(client, people["officer"].email)
    detail = client.get(f"/regulator/tipoffs/{tid}").get_data(as_text=True)
    assert 'class="danger"' in detail  # red, apart from 受理
    before, audits = _status(session, tid), _audits(session)
    first = _post(client, f"/regulator/tipoffs/{tid}/{action}", **data)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'name="confirm" value="yes"' in page
    assert data.get("reason", data.get("outcome")) in page  # what was entered, repeated
    assert _status(session, tid) == before and _audits(session) == audits  # nothing stored
    crafted = _post(client, f"/regulator/tipoffs/{tid}/{action}", confirm="no", **data)
    assert crafted.status_code == 303 and _status(session, tid) == before
    flashed = client.get(f"/regulator/tipoffs/{tid}").get_data(as_text=True)
    assert "须在确认页上确认后才会执行" in flashed
    done = _post(client, f"/regulator/tipoffs/{tid}/{action}", confirm="yes", **data)
    assert done.status_code == 303 and _status(session, tid) == after


def test_merging_and_declining_a_reopen_need_their_second_step(app, client, session, people):
    original = _file(app, session)
    dup = _file(app, session, description="同一家化工厂夜间又在排放黑烟")
    login(client, people["officer"].email)
    path = f"/regulator/tipoffs/{dup.tipoff.id}/duplicate"
    first = _post(client, path, original=original.tracking_code)
    assert first.status_code == 200 and "确认合并" in first.get_data(as_text=True)
    assert _status(session, dup.tipoff.id) == "received"
    done = _post(client, path, original=original.tracking_code, confirm="yes")
    assert done.status_code == 303
    assert _status(session, dup.tipoff.id) == "closed"
    with app.app_context():
        officer = session.get(type(people["officer"]), people["officer"].id)
        accept_tipoff(session, officer, original.tipoff.id)
        close_tipoff(
            session,
            officer,
            original.tipoff.id,
            outcome="已查处。",
            substantiated=True,
            confirmed=True,
        )
        request_reopen(session, original.tracking_code, original.secret, "整改后仍在夜间排放")
    session.commit()
    path = f"/regulator/tipoffs/{original.tipoff.id}/reopen"
    first = _post(client, path, reopen="no", note="已复核，维持原结果")
    assert first.status_code == 200 and "确认驳回" in first.get_data(as_text=True)
    _fresh(session)
    assert session.get(TipOff, original.tipoff.id).reopen_requested_at is not None
    _post(client, path, reopen="no", note="已复核，维持原结果", confirm="yes")
    _fresh(session)
    assert session.get(TipOff, original.tipoff.id).reopen_requested_at is None


def test_closing_a_case_needs_its_second_step_and_its_timeline_names_officers(
    app, client, session, people, tmp_path
):
    officer, colleague = people["officer"], people["colleague"]
    case = create_case(
        session,
        officer,
        CaseInput(
            origin="regulator",
            case_class="general",
            description="工地扬尘未覆盖，渣土车未密闭。",
            region_code="620100",
        ),
    )
    grid = create_grid(session, "WB-G1")  # an unplaced case, put into a grid
    case.grid_id = case.handling_grid_id = grid.id
    case.region_code = grid.region_code
    session.commit()
    code = case.code
    dispatch_case(session, officer, code)
    rectify_case(session, officer, code, note="已覆盖防尘网", upload_dir=str(tmp_path))
    report_result(session, officer, code, result="已整改", substantiated=True)
    verify_case(session, colleague, code, passed=True)
    session.commit()
    login(client, officer.email)
    detail = client.get(f"/regulator/cases/{code}").get_data(as_text=True)
    timeline = detail.split('class="timeline"')[1]
    assert OFFICER in timeline and "colleague" in timeline and "user:" not in timeline
    first = _post(client, f"/regulator/cases/{code}/close", note="办结")
    assert first.status_code == 200 and 'name="confirm" value="yes"' in first.get_data(as_text=True)
    _fresh(session)
    assert session.scalar(select(SupervisionCase.status)) == "verified"
    _post(client, f"/regulator/cases/{code}/close", note="办结", confirm="yes")
    _fresh(session)
    assert session.scalar(select(SupervisionCase.status)) == "closed"


def test_adjustment_form_starts_empty_and_the_approver_sees_everything(
    app, client, session, people
):
    ent = create_enterprise(session, name="兰州调整测试化工有限公司")
    create_rating(session, ent, "blue")
    session.commit()
    login(client, people["officer"].email)
    form = client.get(f"/regulator/enterprises/{ent.uscc}").get_data(as_text=True)
    select_html = form.split('name="to_level"')[1].split("</select>")[0]
    assert '<option selected value="">' in select_html or 'selected value=""' in select_html
    assert 'value="yellow" selected' not in select_html and "selected" not in select_html.replace(
        'selected value=""', ""
    )
    token = csrf_token(client, f"/regulator/enterprises/{ent.uscc}")
    expires = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    base = {"csrf_token": token, "reason": "现场检查发现问题", "expires_at": expires}
    client.post(f"/regulator/enterprises/{ent.uscc}/adjustments", data={**base, "to_level": ""})
    _fresh(session)
    assert session.scalar(select(func.count()).select_from(RatingAdjustment)) == 0  # none chosen
    client.post(
        f"/regulator/enterprises/{ent.uscc}/adjustments",
        data={**base, "to_level": "yellow", "evidence": "检查笔录第 12 号"},
    )
    _fresh(session)
    adj = session.scalar(select(RatingAdjustment))
    assert adj is not None and adj.to_level == "yellow"
    login(client, people["colleague"].email)
    todo = client.get("/regulator/todo").get_data(as_text=True)
    row = todo.split(f'id="adjustment-{adj.id}"')[1].split("</tr>")[0]
    assert "检查笔录第 12 号" in row and expires in row and OFFICER in row
    assert 'name="note"' in row and 'class="danger"' in row
    bench = client.get("/regulator/").get_data(as_text=True)
    assert f"/regulator/todo#adjustment-{adj.id}" in bench
    path = f"/regulator/adjustments/{adj.id}/reject"
    first = _post(client, path, note="证据不足")
    assert first.status_code == 200 and "确认驳回" in first.get_data(as_text=True)
    _fresh(session)
    assert session.get(RatingAdjustment, adj.id).status == "proposed"
    _post(client, path, note="证据不足", confirm="yes")
    _fresh(session)
    decided = session.get(RatingAdjustment, adj.id)
    assert decided.status == "rejected" and decided.decision_note == "证据不足"


def test_rejecting_an_objection_needs_its_second_step(app, client, session, people):
    ent = create_enterprise(session, name="兰州异议页面测试有限公司")
    objection = file_objection(
        session,
        ent,
        target_type="rating",
        target_id=None,
        claim="评价结果有误",
        contact="0931-1234567",
        today=dt.date.today(),
    )
    session.commit()
    login(client, people["officer"].email)
    path = f"/regulator/objections/{objection.id}/reject"
    first = _post(client, path, text="经核实，记录无误")
    assert first.status_code == 200 and "确认驳回" in first.get_data(as_text=True)
    _fresh(session)
    assert session.get(Objection, objection.id).status == "open"
    _post(client, path, text="经核实，记录无误", confirm="yes")
    _fresh(session)
    assert session.get(Objection, objection.id).status == "rejected"
