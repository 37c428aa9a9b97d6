"""Public credit pages: enterprise file, penalty notice, objection and repair forms."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from credit.cases.models import Objection, RepairApplication
from tests.disclosure.conftest import csrf_token
from tests.factories import create_enterprise, create_penalty, create_rating


def _setup(session):
    ent = create_enterprise(
        session, name="湘潭钢铁测试有限公司", permit_category="key", uscc="91350100M000100Y43"
    )
    today = dt.date.today()
    live = create_penalty(
        session,
        ent,
        decision_date=today - dt.timedelta(days=120),
        facts="该公司<b>超标</b>排放二氧化硫",
    )
    gone = create_penalty(
        session,
        ent,
        decision_date=today - dt.timedelta(days=100),
        revoked_at=today - dt.timedelta(days=1),
    )
    rating = create_rating(session, ent, "blue", 90)
    rating.explanation = [
        {
            "rule": "penalty.general",
            "points": -10,
            "source": {"type": "penalty", "id": live.id},
            "note": None,
        }
    ]
    session.commit()
    return ent, live, gone


def test_enterprise_page_shows_level_explanation_chart_and_qr(client, session):
    ent, live, gone = _setup(session)
    page = client.get(f"/enterprises/{ent.uscc}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "环保良好企业" in text and f'href="/penalties/{live.id}"' in text
    assert live.decision_no in text and gone.decision_no not in text
    assert "仅一次评价" in text and 'class="segno"' in text
    assert "<b>超标</b>" not in text  # escaped everywhere


def test_lower_case_uscc_redirects_and_bad_one_is_404(client, session):
    ent, _, _ = _setup(session)
    assert client.get(f"/enterprises/{ent.uscc.lower()}").status_code == 301
    missing = client.get("/enterprises/91130200699229617X", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "未找到" in missing.get_data(as_text=True)


def test_penalty_page_and_unpublished_penalty(client, session):
    _, live, gone = _setup(session)
    text = client.get(f"/penalties/{live.id}").get_data(as_text=True)
    assert live.decision_no in text and "处罚依据" in text and "申请信用修复" in text
    assert client.get(f"/penalties/{gone.id}").status_code == 404


def test_objection_form_files_and_shows_deadline(client, session):
    ent, live, _ = _setup(session)
    token = csrf_token(client, f"/enterprises/{ent.uscc}/objection")
    response = client.post(
        f"/enterprises/{ent.uscc}/objection",
        data={
            "csrf_token": token,
            "target": f"penalty:{live.id}",
            "claim": "处罚对象认定错误",
            "contact": "李经理 13800000000",
        },
    )
    assert response.status_code == 302
    case = client.get(response.headers["Location"]).get_data(as_text=True)
    objection = session.scalar(select(Objection))
    assert objection.reference in case and str(objection.due_at) in case
    assert "13800000000" not in case


def test_objection_with_bad_input_stores_nothing(client, session):
    ent, _, _ = _setup(session)
    token = csrf_token(client, f"/enterprises/{ent.uscc}/objection")
    for target in ("penalty:999999", "nonsense", "penalty:" + "9" * 40):
        response = client.post(
            f"/enterprises/{ent.uscc}/objection",
            data={"csrf_token": token, "target": target, "claim": "有误有误有误", "contact": "x"},
        )
        assert response.status_code == 422
    assert session.scalar(select(Objection)) is None


def test_repair_application_through_the_page(client, session):
    _, live, _ = _setup(session)
    token = csrf_token(client, f"/penalties/{live.id}/repair")
    response = client.post(
        f"/penalties/{live.id}/repair",
        data={
            "csrf_token": token,
            "reason": "已完成整改并通过验收",
            "commitment": "承诺依法排污",
            "contact": "王先生",
        },
    )
    assert response.status_code == 302
    assert session.scalar(select(RepairApplication.status)) == "pending"


def test_permit_state_uses_china_date_not_the_server_date(client, session):
    """At 23:30 UTC on 31 Dec it is already 1 Jan in China: a permit valid until 31 Dec shows
    as expired, and one starting on 1 Jan as in force."""
    import time_machine

    from credit.records.models import Permit

    ent = create_enterprise(session, uscc="91350100M000100Y43")
    ended = Permit(
        enterprise_id=ent.id,
        permit_no="91350100M000100Y43001P",
        category="key",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2025, 12, 31),
    )
    starts = Permit(
        enterprise_id=ent.id,
        permit_no="91350100M000100Y43002P",
        category="key",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2030, 12, 31),
    )
    session.add_all([ended, starts])
    session.commit()
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        page = client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    row = page.split('id="permit-')
    by_no = {part.split("<code>")[1].split("</code>")[0]: part for part in row[1:]}
    assert "已过期" in by_no["91350100M000100Y43001P"]
    starts_row = by_no["91350100M000100Y43002P"]
    assert "有效" in starts_row and "已过期" not in starts_row
