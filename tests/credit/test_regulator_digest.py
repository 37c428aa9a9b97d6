"""The regulators' daily digest (issue 18 item 5): each user's list holds the open reports of
their scope that are overdue (with how late), due soon, new or asked to be reopened, and
nothing outside it; one mail a China day from 07:00, none when the list is empty, none after
opting out on the account page; through a real local SMTP server, in both languages, without
any reporter's identity."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import func, select

from core.clock import CHINA
from core.consumers import drain
from credit.notify.models import DigestOptOut, MailOutbox
from credit.notify.regulator_digest import (
    RegulatorDigest,
    digest_enabled,
    set_daily_digest,
    todo,
)
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.outcome import close_tipoff
from credit.tipoffs.tracking import request_reopen
from credit.tipoffs.workflow import accept_tipoff, reject_tipoff
from tests.disclosure.conftest import csrf_token, login, make_regulator
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


#: a Monday; three working days on is Thursday 2026-12-10
DAY = dt.date(2026, 12, 7)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).astimezone(dt.UTC)


def _file(session, region: str, days_ago: int, text: str, **kw):
    data = TipOffInput(
        category="air",
        description=f"{text}：烟囱夜间冒黑烟",
        location="某地",
        region_code=region,
        **kw,
    )
    return file_tipoff(session, data, now=_at(DAY, 8) - dt.timedelta(days=days_ago))


@pytest.fixture
def world(app_context, session, regulator):
    """Reports of 兰州 (620100) and 嘉峪关 (620200), and who acts where."""
    other = make_regulator(session, "jiayuguan@example.cn", region="620200")
    province = make_regulator(session, "gansu@example.cn", region="620000")
    idle = make_regulator(session, "idle@example.cn", region="620300")
    quiet = make_regulator(session, "quiet@example.cn", region="620100")
    new = _file(
        session,
        "620100",
        1,
        "新的",
        anonymous=False,
        reporter_name="举报人赵六",
        reporter_phone="13700000006",
    )
    overdue = _file(session, "620100", 20, "逾期的")  # acceptance was due 5 days ago
    soon = _file(session, "620100", 13, "快到期的")  # acceptance due on Wednesday
    done = _file(session, "620100", 2, "不予受理的")
    reject_tipoff(session, regulator, done.tipoff.id, reason="不属于职责范围", confirmed=True)
    again = _file(session, "620100", 10, "申请重新处理的")
    accept_tipoff(session, regulator, again.tipoff.id)
    close_tipoff(
        session, regulator, again.tipoff.id, outcome="已处理", substantiated=False, confirmed=True
    )
    request_reopen(session, again.tracking_code, again.secret, "问题仍然存在，请再查")
    elsewhere = _file(session, "620200", 1, "嘉峪关的")
    set_daily_digest(session, quiet, False)
    session.commit()
    return {
        "users": {"lanzhou": regulator, "other": other, "province": province, "idle": idle},
        "quiet": quiet,
        "new": new,
        "overdue": overdue,
        "soon": soon,
        "done": done,
        "again": again,
        "elsewhere": elsewhere,
    }


def test_the_list_holds_what_each_user_must_do_and_nothing_outside_their_scope(session, world):
    users = world["users"]
    mine = todo(session, users["lanzhou"], DAY)
    assert [(i.section, i.tracking_code, i.days_late) for i in mine] == [
        ("overdue", world["overdue"].tracking_code, 5),
        ("soon", world["soon"].tracking_code, 0),
        ("new", world["new"].tracking_code, 0),
        ("reopen", world["again"].tracking_code, 0),
    ]
    assert [i.tracking_code for i in todo(session, users["other"], DAY)] == [
        world["elsewhere"].tracking_code
    ]
    assert len(todo(session, users["province"], DAY)) == 5  # the whole province
    assert todo(session, users["idle"], DAY) == []


def test_one_digest_a_china_day_from_seven_none_when_empty_or_opted_out(app, session, world):
    with time_machine.travel(_at(DAY, 6), tick=False), app.app_context():
        assert RegulatorDigest().run_once() == 0  # before 07:00 China time
    with time_machine.travel(_at(DAY, 8), tick=False), app.app_context():
        assert RegulatorDigest().run_once() == 3
    with time_machine.travel(_at(DAY, 15), tick=False), app.app_context():
        assert RegulatorDigest().run_once() == 0  # today's are queued
    session.rollback()
    rows = session.scalars(select(MailOutbox).order_by(MailOutbox.id)).all()
    assert sorted(r.to_address for r in rows) == [
        "gansu@example.cn",
        "jiayuguan@example.cn",
        "lanzhou@example.cn",
    ]
    assert {r.kind for r in rows} == {"digest"}
    with time_machine.travel(_at(DAY + dt.timedelta(days=1), 7), tick=False), app.app_context():
        assert RegulatorDigest().run_once() == 3  # the next day: again
    session.rollback()
    assert session.scalar(select(func.count()).select_from(MailOutbox)) == 6


def test_the_digest_mail_in_both_languages_without_reporters(app, session, world, smtp):
    with time_machine.travel(_at(DAY, 8), tick=True), app.app_context():
        drain(app)
        drain(app)
    [mail] = smtp.inbox.to("lanzhou@example.cn")
    assert mail["Subject"].strip() == "每日待办 2026-12-07 | Daily to-do 2026-12-07"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "逾期 1 件，即将到期 1 件，新举报 1 件，申请重新处理 1 件" in text
    assert "1 overdue, 1 due soon, 1 new, 1 reopen requests" in text
    overdue = world["overdue"]
    assert f"【已逾期 5 天】{overdue.tracking_code} 大气" in text
    assert f"[5 days overdue] {overdue.tracking_code} Air" in text
    assert f"/regulator/tipoffs/{overdue.tipoff.id}" in text and "<html" in html
    assert "/regulator/account/" in text
    for absent in (
        "举报人赵六",
        "13700000006",
        world["new"].secret,
        world["elsewhere"].tracking_code,
        world["done"].tracking_code,
    ):
        assert absent not in text and absent not in html
    assert smtp.inbox.to("idle@example.cn") == [] and smtp.inbox.to("quiet@example.cn") == []
    [other] = smtp.inbox.to("jiayuguan@example.cn")
    assert world["elsewhere"].tracking_code in other.get_body(("plain",)).get_content()


def test_opting_out_and_in_is_audited_and_idempotent(app_context, session, regulator):
    assert digest_enabled(session, regulator)
    set_daily_digest(session, regulator, False)
    set_daily_digest(session, regulator, False)
    session.commit()
    assert not digest_enabled(session, regulator)
    set_daily_digest(session, regulator, True)
    session.commit()
    assert digest_enabled(session, regulator)
    from core.audit import AuditEvent

    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "notify.daily_digest")
    ).all()
    assert len(actions) == 2


def test_the_account_page_toggles_the_digest(client, session, regulator):
    login(client, regulator.email)
    page = client.get("/regulator/account/").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*id="daily_digest"[^>]*>', page)
    assert "checked" in box
    # without the CSRF token nothing is stored
    assert client.post("/regulator/account/digest", data={}).status_code == 400
    assert session.scalar(select(func.count()).select_from(DigestOptOut)) == 0
    token = csrf_token(client, "/regulator/account/")
    response = client.post("/regulator/account/digest", data={"csrf_token": token})
    assert response.status_code == 302
    session.rollback()
    assert [o.user_id for o in session.scalars(select(DigestOptOut))] == [regulator.id]
    page = client.get("/regulator/account/").get_data(as_text=True)
    assert "已关闭每日待办邮件。" in page
    [box] = re.findall(r'<input[^>]*id="daily_digest"[^>]*>', page)
    assert "checked" not in box
    english = client.get("/regulator/account/?lang=en").get_data(as_text=True)
    assert "E-mail me each morning what my region" in english
    from tests.language_check import language_problems

    assert language_problems(english, "en") == []
    token = csrf_token(client, "/regulator/account/")
    data = {"csrf_token": token, "daily_digest": "y"}
    assert client.post("/regulator/account/digest", data=data).status_code == 302
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DigestOptOut)) == 0
