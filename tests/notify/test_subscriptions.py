"""Subscriptions end to end with a real SMTP server on 127.0.0.1: double opt-in, one-click
unsubscribe, a penalty import mailed to the subscriber once, weekly digests."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import func, select

from core.changelog import ChangeLog
from core.consumers import drain
from credit.notify.models import DigestItem, MailOutbox, Subscription

U1 = "91350100M000100Y43"
ENTERPRISES = (
    "uscc,name,legal_representative,region_code,industry_code,address,latitude,longitude,"
    "permit_category,status\n"
    f"{U1},兰州华源化工有限公司,张三,620102,C2611,兰州市城关区,36.1,103.7,重点管理,在营\n"
)
PENALTY_HEAD = (
    "decision_no,uscc,violation_type,facts,legal_basis,penalty_kinds,fine_amount,"
    "confiscated_amount,decision_date,authority,authority_uscc,severity,criminal_transfer\n"
)


def _penalty_row(n: int) -> str:
    return (
        f"兰环罚〔2026〕{n}号,{U1},超标排放,经查超标,大气法第九十九条,罚款,"
        "200000,0,2026-01-10,兰州市生态环境局,,一般,否\n"
    )


def _import(runner, tmp_path, kind, content):
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["records", "import", "--kind", kind, str(path)])
    assert result.exit_code == 0, result.output


def _send(app) -> None:
    with app.app_context():
        drain(app)
        drain(app)


def _link(message, pattern: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(pattern, text).group(0)


def _subscribe(app, client, smtp, address="citizen@example.cn", **target) -> str:
    body = {"email": address, **(target or {"enterprise_uscc": U1})}
    response = client.post("/api/v1/subscriptions", json=body)
    assert response.status_code == 202, response.get_json()
    _send(app)
    mail = smtp.inbox.to(address)[-1]
    return _link(mail, r"http://127\.0\.0\.1/subscriptions/confirm\?token=[\w-]+")


def _confirm(client, link: str) -> None:
    path = link.removeprefix("http://127.0.0.1")
    assert client.get(path).status_code == 200  # a page with a button: GET confirms nothing
    token = path.split("token=")[1]
    response = client.post("/subscriptions/confirm", data={"token": token})
    assert response.status_code == 200, response.text


def _count(session, model, *where) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_confirmation_mail_in_both_languages(app, client, runner, smtp, tmp_path):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _subscribe(app, client, smtp)
    [mail] = smtp.inbox.to("citizen@example.cn")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert text.index("请确认您的订阅") < text.index("Please confirm your subscription")
    assert "兰州华源化工有限公司" in text and U1 in text
    assert "新的行政处罚" in text and "New penalties" in text
    assert 'lang="zh-CN"' in html and 'lang="en"' in html and "确认订阅" in html
    assert "Confirm the subscription" in html


def test_unconfirmed_subscription_gets_no_alerts(app, client, runner, smtp, tmp_path, session):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _subscribe(app, client, smtp)
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + _penalty_row(1))
    _send(app)
    assert len(smtp.inbox.to("citizen@example.cn")) == 1  # the confirmation only
    assert _count(session, Subscription, Subscription.status == "pending") == 1


def test_penalty_import_mails_the_subscriber_once(app, client, runner, smtp, tmp_path, session):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _confirm(client, _subscribe(app, client, smtp))
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + _penalty_row(1))
    _send(app)
    _import(
        runner, tmp_path, "penalties", PENALTY_HEAD + _penalty_row(1).replace("经查超标", "经查")
    )
    _send(app)
    mails = smtp.inbox.to("citizen@example.cn")
    assert len(mails) == 2  # confirmation + one alert (the correction is not a new penalty)
    alert = mails[1]
    text = alert.get_body(("plain",)).get_content()
    assert "兰环罚〔2026〕1号" in text and "New penalties" in text
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<http://127\.0\.0\.1/subscriptions/\d+/unsubscribe\?token=[0-9a-f]{40}>",
        alert["List-Unsubscribe"].strip(),  # a long header is folded onto a second line
    )


def test_an_import_of_many_penalties_mails_each_follower_once(
    app, client, runner, smtp, tmp_path, session
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _confirm(client, _subscribe(app, client, smtp))
    _confirm(client, _subscribe(app, client, smtp, "district@example.cn", region_code="620102"))
    rows = "".join(_penalty_row(n) for n in range(1, 61))
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + rows)
    _send(app)
    for address in ("citizen@example.cn", "district@example.cn"):
        mails = smtp.inbox.to(address)
        assert len(mails) == 2  # the confirmation and one mail listing the import's penalties
        text = mails[1].get_body(("plain",)).get_content()
        html = mails[1].get_body(("html",)).get_content()
        assert "有 60 条新的公开信息" in text and "60 new public items" in text
        assert text.count("兰环罚〔2026〕") == 2 * 50  # 50 listed, in both languages
        assert "另有 10 条未列出" in text and "10 more are not listed" in text
        unsubscribe = mails[1]["List-Unsubscribe"].strip().strip("<>")
        assert unsubscribe in text and unsubscribe in html  # each follower's own link
    first = smtp.inbox.to("citizen@example.cn")[1]["List-Unsubscribe"]
    assert first != smtp.inbox.to("district@example.cn")[1]["List-Unsubscribe"]
    # a correction of penalties already told of is no new penalty, even after a grouped mail
    corrected = "".join(_penalty_row(n).replace("经查超标", "经查") for n in (1, 2))
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + corrected + _penalty_row(61))
    _send(app)
    mails = smtp.inbox.to("citizen@example.cn")
    assert len(mails) == 3
    text = mails[2].get_body(("plain",)).get_content()
    assert "兰环罚〔2026〕61号" in text and "兰环罚〔2026〕1号" not in text


def test_region_and_industry_subscribers_follow_their_enterprises(
    app, client, runner, smtp, tmp_path
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _confirm(client, _subscribe(app, client, smtp, "city@example.cn", region_code="620100"))
    _confirm(client, _subscribe(app, client, smtp, "trade@example.cn", industry_code="C26"))
    _confirm(client, _subscribe(app, client, smtp, "other@example.cn", region_code="130900"))
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + _penalty_row(1))
    _send(app)
    assert len(smtp.inbox.to("city@example.cn")) == 2
    assert len(smtp.inbox.to("trade@example.cn")) == 2
    assert len(smtp.inbox.to("other@example.cn")) == 1


def test_one_click_unsubscribe_with_one_post(app, client, runner, smtp, tmp_path, session):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _confirm(client, _subscribe(app, client, smtp))
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + _penalty_row(1))
    _send(app)
    url = smtp.inbox.to("citizen@example.cn")[-1]["List-Unsubscribe"].strip().strip("<>")
    path = url.removeprefix("http://127.0.0.1")
    # RFC 8058: one POST, no cookie, no CSRF token
    fresh = app.test_client()
    response = fresh.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _count(session, Subscription) == 0
    assert _count(session, MailOutbox, MailOutbox.to_address == "citizen@example.cn") == 0
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + _penalty_row(2))
    _send(app)
    assert len(smtp.inbox.to("citizen@example.cn")) == 2
    assert fresh.post(path).status_code == 200  # twice is fine
    _confirm(client, _subscribe(app, client, smtp))
    session.rollback()
    again = session.scalar(select(Subscription.id))
    # an old link never unsubscribes a new subscription, even one that reuses the id
    assert fresh.post(f"/subscriptions/{again}/unsubscribe?{path.split('?')[1]}").status_code == 404
    assert fresh.post(f"/subscriptions/{again}/unsubscribe?token=" + "0" * 40).status_code == 404
    assert _count(session, Subscription) == 1


def test_bad_input_is_refused_and_nothing_stored(app, client, runner, tmp_path, session):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    bad = [
        {"email": "not-an-address", "enterprise_uscc": U1},
        {"email": "a@example.cn\r\nBcc: x@example.cn", "enterprise_uscc": U1},
        {"email": "a@example.cn"},
        {"email": "a@example.cn", "enterprise_uscc": U1, "region_code": "620100"},
        {"email": "a@example.cn", "region_code": "999999"},
        {"email": "a@example.cn", "industry_code": "Z99"},
        {"email": "a@example.cn", "enterprise_uscc": U1, "events": ["weather"]},
        {"email": "a@example.cn", "enterprise_uscc": U1, "frequency": "hourly"},
    ]
    for body in bad:
        response = client.post("/api/v1/subscriptions", json=body)
        assert response.status_code in (404, 422), (body, response.status_code)
        assert response.content_type == "application/problem+json"
    assert _count(session, Subscription) == 0 and _count(session, MailOutbox) == 0


def test_subscription_data_never_enters_the_change_log(
    app, client, runner, smtp, tmp_path, session
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _send(app)  # the rescoring's rating rows come first
    before = _count(session, ChangeLog)
    _confirm(client, _subscribe(app, client, smtp))
    assert _count(session, ChangeLog) == before


def test_weekly_digest_collects_events_and_mails_once_a_week(
    app, client, runner, smtp, tmp_path, session
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    body = {"email": "weekly@example.cn", "enterprise_uscc": U1, "frequency": "weekly"}
    assert client.post("/api/v1/subscriptions", json=body).status_code == 202
    _send(app)
    link = _link(
        smtp.inbox.to("weekly@example.cn")[0],
        r"http://127\.0\.0\.1/subscriptions/confirm\?token=[\w-]+",
    )
    _confirm(client, link)
    _import(runner, tmp_path, "penalties", PENALTY_HEAD + _penalty_row(1) + _penalty_row(2))
    _send(app)
    assert len(smtp.inbox.to("weekly@example.cn")) == 1
    assert _count(session, DigestItem) == 2
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=7, minutes=1), tick=True):
        _send(app)
        _send(app)
    mails = smtp.inbox.to("weekly@example.cn")
    assert len(mails) == 2
    text = mails[1].get_body(("plain",)).get_content()
    assert "兰环罚〔2026〕1号" in text and "兰环罚〔2026〕2号" in text
    assert mails[1]["List-Unsubscribe"]
    assert _count(session, DigestItem) == 0


def test_unconfirmed_requests_are_forgotten_after_a_week(
    app, client, runner, smtp, tmp_path, session
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _subscribe(app, client, smtp, "late@example.cn")
    assert _count(session, Subscription) == 1
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8), tick=True):
        _send(app)
    assert _count(session, Subscription) == 0
    assert _count(session, MailOutbox, MailOutbox.to_address == "late@example.cn") == 0
