"""The enterprise's temporary-report pages and its dashboard: the list with due dates, the
form, the public list; the dashboard's deadlines (temporary report, the regulator's answer to
an objection) and open public tip-offs; nothing of another enterprise, and 404 for its
penalty on every new route (GET and POST)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.clock import today as china_today
from credit.cases.objections import file_objection
from credit.obligations.models import DisclosureObligation
from credit.ratings.engine import temporary_due
from credit.ratings.loader import load_rulebook
from credit.tipoffs.models import TipOff
from tests.disclosure.conftest import csrf_token, enterprise_member, password_step
from tests.factories import create_enterprise, create_penalty

CONTENT = "本企业因废气超标排放受到行政处罚，已完成整改，现依法披露临时报告。"


def _member(session, ent, email):
    return enterprise_member(session, ent, role="enterprise_manager", email=email, name="李经理")


def _tipoff(session, ent, status="investigating"):
    tip = TipOff(
        tracking_code=f"JB-TEMP{ent.id:03d}-X",
        secret_hash="x",
        category="water",
        description="厂区排污口夜间排放黑水",
        location="兰州市西固区某路口",
        region_code=ent.region_code,
        enterprise_id=ent.id,
        reporter_name="王举报人",
        reporter_phone="13800000000",
        status=status,
        accept_due_at=china_today(),
        due_at=china_today() + dt.timedelta(days=30),
    )
    session.add(tip)
    session.flush()
    return tip


@pytest.fixture
def firms(client, session):
    """Two obliged enterprises with a fresh penalty each; the first one's manager logged in."""
    today = china_today()
    out = []
    for name in ("兰州临时报告测试有限公司", "兰州另一家测试有限公司"):
        ent = create_enterprise(session, name=name)
        session.add(DisclosureObligation(enterprise_id=ent.id, year=today.year))
        penalty = create_penalty(session, ent, decision_date=today - dt.timedelta(days=1))
        out.append((ent, penalty))
    (ent, _), (other, _) = out
    file_objection(
        session,
        ent,
        target_type="rating",
        target_id=None,
        claim="评价结果所依据的处罚已被撤销。",
        contact="0931-0000000",
        today=today,
    )
    _tipoff(session, ent)
    _tipoff(session, other)
    _member(session, other, "other-temp@example.cn")
    manager = _member(session, ent, "temp@example.cn")
    assert password_step(client, manager.email).status_code == 302
    return out


def test_an_enterprise_files_its_temporary_report_and_it_is_public(client, firms):
    (ent, penalty), (_, other_penalty) = firms
    due = temporary_due(load_rulebook("cn-default").temporary_report, penalty.decision_date)
    page = client.get("/enterprise/temporary-reports/").get_data(as_text=True)
    assert penalty.decision_no in page and due.isoformat() in page and "待披露" in page
    assert other_penalty.decision_no not in page
    path = f"/enterprise/temporary-reports/{penalty.id}"
    token = csrf_token(client, path)
    refused = client.post(path, data={"content": "太短", "url": "", "csrf_token": token})
    assert refused.status_code == 422 and "报告内容须为" in refused.get_data(as_text=True)
    filed = client.post(
        path, data={"content": CONTENT, "url": "https://ent.example.cn/r", "csrf_token": token}
    )
    assert filed.status_code == 303
    assert "按期披露" in client.get("/enterprise/temporary-reports/").get_data(as_text=True)
    public = client.get(f"/enterprises/{ent.uscc}/temporary-reports").get_data(as_text=True)
    assert CONTENT in public and penalty.decision_no in public and "李经理" not in public
    again = client.post(path, data={"content": CONTENT, "url": "", "csrf_token": token})
    assert again.status_code == 409


def test_the_dashboard_lists_deadlines_and_public_cases_of_its_own_enterprise(client, firms):
    (ent, penalty), (other, other_penalty) = firms
    page = client.get("/enterprise/").get_data(as_text=True)
    assert f"处罚 {penalty.decision_no} 的临时环境信息依法披露报告" in page
    assert f'href="/enterprise/temporary-reports/{penalty.id}"' in page
    assert "监管部门答复异议 YY-" in page
    assert "涉及本企业的公开举报" in page and "调查处理中" in page
    assert f"/enterprises/{ent.uscc}/report.pdf" in page
    for private in ("王举报人", "13800000000", "夜间排放黑水", "JB-TEMP"):
        assert private not in page
    assert other_penalty.decision_no not in page and other.name not in page


def test_another_enterprises_penalty_is_not_found_on_every_new_route(client, firms):
    _, (_, other_penalty) = firms
    path = f"/enterprise/temporary-reports/{other_penalty.id}"
    assert client.get(path).status_code == 404
    token = csrf_token(client, "/enterprise/temporary-reports/")
    posted = client.post(path, data={"content": CONTENT, "url": "", "csrf_token": token})
    assert posted.status_code == 404
    assert client.get("/enterprise/temporary-reports/999999").status_code == 404


def test_visitors_are_sent_to_the_login_page(app, session, firms):
    (_, penalty), _ = firms
    visitor = app.test_client()
    for path in ("/enterprise/temporary-reports/", f"/enterprise/temporary-reports/{penalty.id}"):
        assert "/regulator/login" in visitor.get(path).headers["Location"]
    assert visitor.post(f"/enterprise/temporary-reports/{penalty.id}").status_code in {302, 400}


def test_the_public_list_of_an_unknown_enterprise_is_not_found(client):
    assert client.get("/enterprises/91620100MA0000000X/temporary-reports").status_code == 404


def test_the_rules_page_explains_the_new_rule_in_both_languages(client):
    zh = client.get("/rules").get_data(as_text=True)
    for rule in ("disclosure.temporary_missing", "disclosure.temporary_late"):
        assert f'id="rule-{rule}"' in zh
    row = zh[zh.index('id="rule-disclosure.temporary_missing"') :][:800]
    assert "5 个工作日" in row and "-5" in row and "-15" in row
    en = client.get("/rules?lang=en").get_data(as_text=True)
    row = en[en.index('id="rule-disclosure.temporary_missing"') :][:900]
    assert "5 working days of the decision date" in row
