"""Which changes reach subscribers: rating changes and missed disclosures, by event choice;
and the portal's form (no JavaScript) files the same subscription as the API."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.changelog import record_change
from core.consumers import drain
from credit.notify.models import Subscription
from tests.disclosure.conftest import csrf_token
from tests.factories import create_enterprise, create_rating


def _send(app) -> None:
    with app.app_context():
        drain(app)
        drain(app)


def _follow(app, client, smtp, address: str, uscc: str, events: list[str]) -> None:
    body = {"email": address, "enterprise_uscc": uscc, "events": events}
    assert client.post("/api/v1/subscriptions", json=body).status_code == 202
    _send(app)
    text = smtp.inbox.to(address)[-1].get_body(("plain",)).get_content()
    token = re.search(r"confirm\?token=([\w-]+)", text).group(1)
    assert client.post("/subscriptions/confirm", data={"token": token}).status_code == 200


def _new_rating(session, ent, level: str, explanation: list[dict]) -> None:
    from credit.ratings.models import CreditRating

    for old in session.scalars(
        select(CreditRating).where(CreditRating.enterprise_id == ent.id, CreditRating.is_current)
    ):
        old.is_current = False
    session.flush()
    rating = create_rating(session, ent, level, 60)
    rating.explanation = explanation
    record_change(session, "rating", ent.uscc, enterprise_id=ent.id)
    session.commit()


MISSING = {
    "rule": "disclosure.missing",
    "points": -10,
    "source": None,
    "note": "2025 年度报告未按期披露 / no 2025 report (due 2026-03-15)",
}


def test_rating_change_and_missed_disclosure_reach_who_asked(app, client, smtp, session):
    ent = create_enterprise(session, permit_category="key")
    create_rating(session, ent, "blue", 90)
    session.commit()
    _follow(app, client, smtp, "levels@example.cn", ent.uscc, ["rating"])
    _follow(app, client, smtp, "reports@example.cn", ent.uscc, ["disclosure"])
    _new_rating(session, ent, "yellow", [MISSING])
    _send(app)
    [_, level_mail] = smtp.inbox.to("levels@example.cn")
    text = level_mail.get_body(("plain",)).get_content()
    assert "环保良好企业" in text and "环保警示企业" in text
    assert "Environmentally good" in text and "Environmental warning" in text
    [_, report_mail] = smtp.inbox.to("reports@example.cn")
    text = report_mail.get_body(("plain",)).get_content()
    assert "2025 年度环境信息依法披露报告未按期披露" in text
    assert "no mandatory environmental disclosure report for 2025" in text
    # the same level again, the same missing year: nothing new to tell
    _new_rating(session, ent, "yellow", [MISSING])
    _send(app)
    assert len(smtp.inbox.to("levels@example.cn")) == 2
    assert len(smtp.inbox.to("reports@example.cn")) == 2


def test_no_mail_contains_another_subscribers_address(app, client, smtp, session):
    ent = create_enterprise(session)
    create_rating(session, ent, "blue", 90)
    session.commit()
    _follow(app, client, smtp, "one@example.cn", ent.uscc, ["rating"])
    _follow(app, client, smtp, "two@example.cn", ent.uscc, ["rating"])
    _new_rating(session, ent, "red", [])
    _send(app)
    for message in smtp.inbox.messages:
        raw = message.as_string()
        assert ("one@example.cn" in raw) != ("two@example.cn" in raw)


def test_portal_form_subscribes_without_javascript(app, client, smtp, session):
    ent = create_enterprise(session)
    session.commit()
    page = client.get(f"/subscribe?enterprise={ent.uscc}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ent.name in html
    assert f"/feeds/enterprises/{ent.uscc}.atom" in html
    assert 'name="viewport"' in html
    token = csrf_token(client, f"/subscribe?enterprise={ent.uscc}")
    form = {
        "csrf_token": token,
        "email": "Form@Example.cn",
        "enterprise": ent.uscc,
        "events": ["penalty", "rating"],
        "frequency": "weekly",
    }
    response = client.post("/subscribe", data=form)
    assert response.status_code == 202
    session.rollback()
    sub = session.scalar(select(Subscription))
    assert (sub.email, sub.events, sub.frequency, sub.status) == (
        "form@example.cn",
        "penalty rating",
        "weekly",
        "pending",
    )
    bad = client.post("/subscribe", data={**form, "enterprise": "", "region": "999999"})
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    without_token = client.post(
        "/subscribe", data={k: v for k, v in form.items() if k != "csrf_token"}
    )
    assert without_token.status_code == 400


def test_industry_feed_lists_its_enterprises_penalties(client, session):
    from tests.factories import create_penalty

    ent = create_enterprise(session)
    create_penalty(session, ent)
    other = create_enterprise(session, industry_code="C22")
    create_penalty(session, other)
    session.commit()
    response = client.get("/feeds/industries/C26.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    body = response.get_data(as_text=True)
    assert ent.name in body and other.name not in body
    assert client.get("/feeds/industries/Z99.atom").status_code in (404, 422)
