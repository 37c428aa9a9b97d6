"""Mail to reporters (issue 18 item 5): named reporters who opted in and anonymous reporters'
notification addresses are told of acceptance, extension, closure and rewards, through a
real local SMTP server; a redelivered step or a failed server never mails twice; nobody's
identity, the secret or an officer's name is ever in a mail; the anonymous address goes
once the case is closed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import func, select

from core.changelog import set_watermark
from core.consumers import drain
from core.errors import Invalid
from credit.notify.models import MailOutbox, TipOffNotifyAddress
from credit.notify.outbox import MailSender
from credit.notify.reporter import ReporterMail
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from credit.tipoffs.outcome import close_tipoff, mark_duplicate
from credit.tipoffs.workflow import (
    accept_tipoff,
    assign_tipoff,
    extend_tipoff,
    reject_tipoff,
    set_reward_eligible,
)
from tests.notify.conftest import SmtpServer, mail_config


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (tests.notify.conftest)."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config: dict[str, object], smtp: SmtpServer) -> dict[str, object]:
    return mail_config(app_config, smtp)


NAMED = {
    "anonymous": False,
    "reporter_name": "举报人王小明",
    "reporter_phone": "13912345678",
    "reporter_email": "wang@example.cn",
}


def _file(session, description: str = "化工厂夜间向河道排放黑色污水", **kw):
    data = TipOffInput(
        category="water", description=description, location="西固区", region_code="620100", **kw
    )
    return file_tipoff(session, data)


def _send(app) -> None:
    with app.app_context():
        drain(app)
        drain(app)


def _plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def _fresh(session):
    session.rollback()  # the consumers committed in sessions of their own
    return session


def test_a_named_reporter_is_told_of_each_step_in_both_languages(
    app, app_context, session, regulator, smtp
):
    filed = _file(session, notify_email=True, **NAMED)
    tid = filed.tipoff.id
    accept_tipoff(session, regulator, tid)
    assign_tipoff(session, regulator, tid, assignee_id=regulator.id)  # not a step to mail
    extend_tipoff(session, regulator, tid, days=10, reason="等待水质检测报告")
    close_tipoff(
        session,
        regulator,
        tid,
        outcome="查实超标排放，已立案处罚",
        substantiated=True,
        confirmed=True,
    )
    set_reward_eligible(session, regulator, tid, eligible=True)
    session.commit()
    _send(app)
    mails = smtp.inbox.to("wang@example.cn")
    subjects = [m["Subject"].strip() for m in mails]
    code = filed.tracking_code
    assert len(mails) == 4, subjects
    assert subjects[0] == f"举报进展 {code}：已受理 | Report news {code}: Accepted"
    assert "办理期限延长" in subjects[1] and "Deadline extended" in subjects[1]
    assert "已办结" in subjects[2] and "Closed" in subjects[2]
    assert "有奖举报" in subjects[3]
    accepted, extended, closed, reward = (_plain(m) for m in mails)
    assert accepted.index("您的举报已受理") < accepted.index("Your report was accepted")
    due = filed.tipoff.due_at.isoformat()
    assert f"至 {due}" in extended and "等待水质检测报告" in extended
    assert "查实超标排放，已立案处罚" in closed and "Status now: Closed" in closed
    assert "符合有奖举报条件" in reward
    for message in mails:
        text, html = _plain(message), _html(message)
        assert f"/tipoffs/track?code={code}" in text
        assert f"/tipoffs/track?code={code}" in html and "<html" in html
        for secret_or_identity in (
            filed.secret,
            NAMED["reporter_name"],
            NAMED["reporter_phone"],
            regulator.name,
            regulator.email,
        ):
            assert secret_or_identity not in text and secret_or_identity not in html
        assert message["List-Unsubscribe"] is None


def test_the_tracking_link_fills_in_the_code(client):
    page = client.get("/tipoffs/track?code=JB-7K3M9-QX2WD").get_data(as_text=True)
    assert 'value="JB-7K3M9-QX2WD"' in page


def test_without_opting_in_nobody_is_mailed(app, app_context, session, regulator, smtp):
    filed = _file(session, **NAMED)
    quiet = _file(session, "另一件匿名举报，未留邮箱")
    accept_tipoff(session, regulator, filed.tipoff.id)
    accept_tipoff(session, regulator, quiet.tipoff.id)
    session.commit()
    _send(app)
    assert smtp.inbox.messages == []
    assert _fresh(session).scalar(select(func.count()).select_from(MailOutbox)) == 0


def test_an_anonymous_address_is_kept_apart_and_deleted_on_closure(
    app, app_context, session, regulator, smtp
):
    filed = _file(session, notify_email=True, notify_address=" Anon.News@Example.CN ")
    tid = filed.tipoff.id
    session.commit()
    tipoff = session.get(TipOff, tid)
    assert tipoff.anonymous and not tipoff.notify_email
    assert (tipoff.reporter_name, tipoff.reporter_phone, tipoff.reporter_email) == (None,) * 3
    [kept] = session.scalars(select(TipOffNotifyAddress)).all()
    assert (kept.tipoff_id, kept.email) == (tid, "anon.news@example.cn")
    accept_tipoff(session, regulator, tid)
    close_tipoff(
        session, regulator, tid, outcome="经查未发现超标排放", substantiated=False, confirmed=True
    )
    session.commit()
    _send(app)
    mails = smtp.inbox.to("anon.news@example.cn")
    assert ["已受理" in m["Subject"] for m in mails] == [True, False]
    assert "经查未发现超标排放" in _plain(mails[1])
    assert filed.secret not in _plain(mails[0]) + _plain(mails[1])
    session = _fresh(session)
    assert session.scalars(select(TipOffNotifyAddress)).all() == []  # gone after closing
    rows = session.scalars(select(MailOutbox)).all()
    assert [(r.status, r.to_address) for r in rows] == [("sent", ""), ("sent", "")]


def test_a_rejected_report_closes_the_case_too(app, app_context, session, regulator, smtp):
    filed = _file(session, notify_email=True, notify_address="anon2@example.cn")
    reject_tipoff(
        session, regulator, filed.tipoff.id, reason="不属于生态环境部门职责", confirmed=True
    )
    session.commit()
    _send(app)
    [mail] = smtp.inbox.to("anon2@example.cn")
    assert "不予受理" in mail["Subject"] and "不属于生态环境部门职责" in _plain(mail)
    assert _fresh(session).scalars(select(TipOffNotifyAddress)).all() == []


def test_a_step_applied_twice_mails_once(app, app_context, session, regulator, smtp):
    filed = _file(session, notify_email=True, **NAMED)
    accept_tipoff(session, regulator, filed.tipoff.id)
    session.commit()
    _send(app)
    assert len(smtp.inbox.to("wang@example.cn")) == 1
    # at-least-once: the consumer's watermark is lost and the step is applied again
    set_watermark(session, ReporterMail.name, 0)
    session.commit()
    with app.app_context():
        assert ReporterMail().run_once() >= 1
    _send(app)
    assert len(smtp.inbox.to("wang@example.cn")) == 1
    assert _fresh(session).scalar(select(func.count()).select_from(MailOutbox)) == 1


def test_a_failed_smtp_server_is_retried_without_duplicates(
    app, app_context, session, regulator, smtp
):
    smtp.stop()
    filed = _file(session, notify_email=True, **NAMED)
    accept_tipoff(session, regulator, filed.tipoff.id)
    extend_tipoff(session, regulator, filed.tipoff.id, days=5, reason="需补充采样")
    session.commit()
    with app.app_context():
        assert ReporterMail().run_once() >= 2
        assert MailSender().run_once() == 2
        assert MailSender().run_once() == 0  # backoff
    rows = _fresh(session).scalars(select(MailOutbox).order_by(MailOutbox.id)).all()
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {
        ("pending", 1, "connection refused")
    }
    smtp.start()
    later = rows[0].next_attempt_at + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=True):
        _send(app)
        _send(app)
    mails = smtp.inbox.to("wang@example.cn")
    assert len(mails) == 2
    assert len({m["Message-ID"] for m in mails}) == 2
    rows = _fresh(session).scalars(select(MailOutbox)).all()
    assert {(r.status, r.attempts) for r in rows} == {("sent", 2)}


def test_merged_reporters_are_told_under_their_own_code_and_never_of_each_other(
    app, app_context, session, regulator, smtp
):
    first = _file(session, notify_email=True, **NAMED)
    second = _file(
        session,
        "同一家工厂又在排污，第二位举报人",
        notify_email=True,
        anonymous=False,
        reporter_name="举报人李四",
        reporter_phone="13800000002",
        reporter_email="li@example.cn",
    )
    third = _file(session, "同一排污口，匿名举报", notify_email=True, notify_address="c@example.cn")
    accept_tipoff(session, regulator, first.tipoff.id)
    mark_duplicate(
        session, regulator, second.tipoff.id, original=first.tracking_code, confirmed=True
    )
    mark_duplicate(
        session, regulator, third.tipoff.id, original=first.tracking_code, confirmed=True
    )
    set_reward_eligible(session, regulator, first.tipoff.id, eligible=True)
    close_tipoff(
        session,
        regulator,
        first.tipoff.id,
        outcome="查实，已处罚",
        substantiated=True,
        confirmed=True,
    )
    session.commit()
    _send(app)
    to_first = smtp.inbox.to("wang@example.cn")
    to_second = smtp.inbox.to("li@example.cn")
    to_third = smtp.inbox.to("c@example.cn")
    # the first: accepted, reward, closed; the merged ones: merged, then the closure
    assert len(to_first) == 3 and len(to_second) == 2 and len(to_third) == 2
    assert all("合并办理" in m["Subject"] for m in (to_second[0], to_third[0]))
    assert all("已办结" in m["Subject"] for m in (to_first[-1], to_second[-1], to_third[-1]))
    people = {
        "wang@example.cn": (first, NAMED["reporter_name"], NAMED["reporter_phone"]),
        "li@example.cn": (second, "举报人李四", "13800000002"),
        "c@example.cn": (third, None, None),
    }
    for address, mails in (
        ("wang@example.cn", to_first),
        ("li@example.cn", to_second),
        ("c@example.cn", to_third),
    ):
        for message in mails:
            text = _plain(message) + _html(message)
            own = people[address][0]
            assert own.tracking_code in text and own.secret not in text
            for other, (filed, name, phone) in people.items():
                assert other not in text  # no address, even one's own
                if filed is own:
                    continue
                assert filed.tracking_code not in text and filed.secret not in text
                for identity in (name, phone):
                    assert identity is None or identity not in text
    assert _fresh(session).scalars(select(TipOffNotifyAddress)).all() == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (
            {"anonymous": False, "reporter_name": "张三", "reporter_phone": "13900000000"},
            "notify_email",
        ),
        ({"notify_address": "not-an-address"}, "notify_address"),
        ({}, "notify_address"),
    ],
)
def test_e_mail_news_needs_an_address(app_context, session, extra, field):
    with pytest.raises(Invalid) as refused:
        _file(session, notify_email=True, **extra)
    assert field in refused.value.errors
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0
    assert session.scalar(select(func.count()).select_from(TipOffNotifyAddress)) == 0


def test_the_api_takes_the_opt_in(app, client, session, smtp):
    body = {
        "category": "air",
        "description": "工厂夜间排放黑烟，气味刺鼻。",
        "location": "西固区",
        "region_code": "620100",
        "anonymous": True,
        "notify_email": True,
        "notify_address": "api-news@example.cn",
    }
    from tests.factories import ensure_reference

    ensure_reference(session, "620100")
    session.commit()
    response = client.post("/api/v1/tipoffs", json=body)
    assert response.status_code == 201, response.get_json()
    [kept] = _fresh(session).scalars(select(TipOffNotifyAddress)).all()
    assert kept.email == "api-news@example.cn"
    bad = client.post("/api/v1/tipoffs", json={**body, "notify_address": "x"})
    assert bad.status_code == 422
    assert "notify_address" in str(bad.get_json())
    assert _fresh(session).scalar(select(func.count()).select_from(TipOff)) == 1


def test_the_form_takes_the_opt_in(app, client, session, smtp):
    from tests.disclosure.conftest import csrf_token
    from tests.factories import ensure_reference

    ensure_reference(session, "620100")
    session.commit()
    from tests.language_check import language_problems

    page = client.get("/tipoffs/new").get_data(as_text=True)
    assert 'name="notify_email"' in page and 'name="notify_address"' in page
    assert language_problems(page, "zh-CN") == []
    form = {
        "csrf_token": csrf_token(client, "/tipoffs/new"),
        "category": "air",
        "description": "工厂夜间排放黑烟，气味刺鼻。",
        "location": "西固区",
        "region_code": "620100",
        "identity": "anonymous",
        "notify_email": "yes",
        "notify_address": "bad",
    }
    refused = client.post("/tipoffs/new", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "接收邮件通知须填写有效的邮箱" in text and 'value="bad"' in text
    form["notify_address"] = "form-news@example.cn"
    assert client.post("/tipoffs/new", data=form).status_code == 303
    [kept] = _fresh(session).scalars(select(TipOffNotifyAddress)).all()
    assert kept.email == "form-news@example.cn"
    assert re.search(r"notify_email[^>]*checked", text)
    english = client.get("/tipoffs/new?lang=en").get_data(as_text=True)
    assert "E-mail me when my report is accepted" in english
    assert language_problems(english, "en") == []


def test_a_missing_step_holds_the_watermark_a_while():
    """An event id not yet committed (PostgreSQL hands ids out before commit) is waited
    for; a rolled-back one is passed after GAP_WAIT seconds."""
    from credit.notify.reporter import GAP_WAIT

    consumer = ReporterMail()
    assert consumer.settled(0, [1, 2, 3], now=100.0) == 3
    assert consumer.settled(3, [4, 6, 7], now=100.0) == 4  # 5 is missing: wait for it
    assert consumer.settled(4, [6, 7], now=100.0 + GAP_WAIT / 2) == 4
    assert consumer.settled(4, [5, 6, 7], now=100.0 + GAP_WAIT / 2) == 7  # it came
    assert consumer.settled(7, [9], now=200.0) == 7
    assert consumer.settled(7, [9], now=200.0 + GAP_WAIT + 1) == 9  # 8 never will


def test_the_reporter_stops_the_mail_from_the_tracking_page(app, client, session, smtp):
    from tests.disclosure.conftest import csrf_token, make_regulator

    regulator = make_regulator(session, "lanzhou@example.cn")
    with app.app_context():
        filed = _file(session, notify_email=True, notify_address="stop@example.cn")
        accept_tipoff(session, regulator, filed.tipoff.id)
        session.commit()
        ReporterMail().run_once()  # the acceptance mail waits in the outbox
    token = csrf_token(client, "/tipoffs/track")
    view = {"csrf_token": token, "code": filed.tracking_code, "secret": filed.secret}
    page = client.post("/tipoffs/track", data=view).get_data(as_text=True)
    assert 'value="nomail"' in page
    wrong = client.post("/tipoffs/track", data={**view, "action": "nomail", "secret": "x"})
    assert wrong.status_code == 404
    assert _fresh(session).scalar(select(func.count()).select_from(TipOffNotifyAddress)) == 1
    done = client.post("/tipoffs/track", data={**view, "action": "nomail"})
    assert done.status_code == 200 and "此举报今后不会再发邮件给您" in done.get_data(as_text=True)
    session = _fresh(session)
    assert session.scalar(select(func.count()).select_from(TipOffNotifyAddress)) == 0
    [row] = session.scalars(select(MailOutbox)).all()
    assert (row.status, row.to_address) == ("cancelled", "")
    with app.app_context():
        extend_tipoff(session, regulator, filed.tipoff.id, days=5, reason="需补充采样")
        session.commit()
    _send(app)
    assert smtp.inbox.messages == []
