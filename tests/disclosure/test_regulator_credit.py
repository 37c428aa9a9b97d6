"""Regulator credit pages: the credit view, four-eyes adjustments, objections, repair."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from credit.cases.models import RatingAdjustment
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.factories import create_enterprise, create_penalty, create_rating


def _ent(session, **kw):
    ent = create_enterprise(session, **kw)
    rating = create_rating(session, ent, "blue")
    rating.explanation = [
        {
            "rule": "penalty.general",
            "points": -10,
            "source": {"type": "penalty", "id": 1},
            "note": None,
        }
    ]
    session.commit()
    return ent


def test_credit_view_shows_score_and_explanation(client, session, regulator):
    ent = _ent(session)
    login(client, regulator.email)
    page = client.get(f"/regulator/enterprises/{ent.uscc}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "penalty.general" in text and "-10" in text and "环保良好企业" in text


def test_credit_view_outside_region_is_forbidden(client, session):
    ent = _ent(session)
    outsider = make_regulator(session, "ny@example.cn", region="411300")
    login(client, outsider.email)
    assert client.get(f"/regulator/enterprises/{ent.uscc}").status_code == 403
    assert client.get("/regulator/enterprises/NOTAUSCC").status_code == 404


def _propose(client, ent):
    token = csrf_token(client, f"/regulator/enterprises/{ent.uscc}")
    return client.post(
        f"/regulator/enterprises/{ent.uscc}/adjustments",
        data={
            "csrf_token": token,
            "to_level": "yellow",
            "reason": "多次超标",
            "evidence": "监测报告",
            "expires_at": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
    )


def test_four_eyes_through_the_pages(client, session, regulator):
    ent = _ent(session)
    colleague = make_regulator(session, "colleague@example.cn")
    login(client, regulator.email)
    assert _propose(client, ent).status_code == 302
    adj = session.scalar(select(RatingAdjustment))
    token = csrf_token(client, "/regulator/todo")
    client.post(f"/regulator/adjustments/{adj.id}/approve", data={"csrf_token": token})
    session.rollback()
    assert adj.status == "proposed"  # refused: own proposal
    with client.session_transaction() as s:
        s.clear()
    assert login(client, colleague.email).status_code == 302
    page = client.get("/regulator/todo")
    assert page.status_code == 200, page.get_data(as_text=True)[-800:]
    token = csrf_token(client, "/regulator/todo")
    assert (
        client.post(
            f"/regulator/adjustments/{adj.id}/approve", data={"csrf_token": token}
        ).status_code
        == 302
    )
    session.rollback()  # end the test's read snapshot (SQLite WAL) before looking again
    assert adj.status == "approved" and adj.approved_by == colleague.id


def test_proposal_without_reason_stores_nothing(client, session, regulator):
    ent = _ent(session)
    login(client, regulator.email)
    token = csrf_token(client, f"/regulator/enterprises/{ent.uscc}")
    client.post(
        f"/regulator/enterprises/{ent.uscc}/adjustments",
        data={
            "csrf_token": token,
            "to_level": "yellow",
            "reason": "",
            "expires_at": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert session.scalar(select(RatingAdjustment)) is None


def test_cases_page_lists_objections_and_repairs(client, session, regulator):
    from credit.cases.objections import file_objection
    from credit.cases.repairs import apply_for_repair

    ent = _ent(session)
    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=200))
    file_objection(
        session,
        ent,
        target_type="penalty",
        target_id=penalty.id,
        claim="处罚对象有误",
        contact="x",
        today=dt.date.today(),
    )
    apply_for_repair(
        session, penalty, reason="已整改", commitment="承诺", contact="x", today=dt.date.today()
    )
    session.commit()
    login(client, regulator.email)
    text = client.get("/regulator/todo").get_data(as_text=True)
    assert "处罚对象有误" in text and penalty.decision_no in text
