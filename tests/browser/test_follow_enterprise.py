"""A citizen follows an enterprise in real Chromium on a 390 px phone with JavaScript off:
subscribes on /subscribe, receives the confirmation mail at a real SMTP server on 127.0.0.1
(aiosmtpd), confirms with the linked page's button; a penalty for the enterprise is imported,
the consumers run, and the penalty mail names the enterprise and carries an unsubscribe link
that works in the browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.consumers import drain
from credit.notify.models import Subscription
from tests.browser.phone import NEEDS_CHROMIUM, PHONE, fits, submit
from tests.notify.conftest import mail_config, smtp  # noqa: F401  (the local SMTP server fixture)

pytestmark = NEEDS_CHROMIUM
BASE = "http://127.0.0.1"  # PUBLIC_BASE_URL of mail_config: the mails' links start with it
USCC = "91350100M000100Y43"
NAME = "兰州华源化工有限公司"
ENTERPRISES = (
    "uscc,name,legal_representative,region_code,industry_code,address,latitude,longitude,"
    "permit_category,status\n"
    f"{USCC},{NAME},张三,620102,C2611,兰州市城关区,36.1,103.7,重点管理,在营\n"
)
PENALTIES = (
    "decision_no,uscc,violation_type,facts,legal_basis,penalty_kinds,fine_amount,"
    "confiscated_amount,decision_date,authority,authority_uscc,severity,criminal_transfer\n"
    f"兰环罚〔2026〕7号,{USCC},超标排放,经查超标,大气法第九十九条,罚款,"
    "200000,0,2026-01-10,兰州市生态环境局,,一般,否\n"
)
CITIZEN = "citizen@example.cn"


@pytest.fixture
def app_config(app_config, smtp):  # noqa: F811
    return mail_config(app_config, smtp)


def _import(runner, tmp_path, kind: str, content: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["records", "import", "--kind", kind, str(path)])
    assert result.exit_code == 0, result.output


def _run_consumers(app) -> None:
    """What the app's background consumers do: the fan-out, then the mail outbox."""
    with app.app_context():
        drain(app)
        drain(app)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _on_live_server(link: str, server: str) -> str:
    assert link.startswith(BASE + "/"), link
    return server + link.removeprefix(BASE)


def _subscriptions(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Subscription))


def test_a_citizen_follows_an_enterprise_and_gets_the_penalty_mail(
    app,
    session,
    server,
    browser,
    runner,
    smtp,  # noqa: F811
    tmp_path,
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{server}/subscribe?enterprise={USCC}")
    assert NAME in page.inner_text("h1")
    fits(page)
    page.fill("input[name=email]", CITIZEN)
    submit(page, "form.stack button[type=submit]")
    assert "请查收确认邮件" in page.content()
    _run_consumers(app)
    mails = smtp.inbox.to(CITIZEN)
    assert len(mails) == 1
    confirm = re.search(rf"{re.escape(BASE)}/subscriptions/confirm\?token=[\w-]+", _text(mails[0]))
    assert confirm is not None, _text(mails[0])

    page.goto(_on_live_server(confirm.group(0), server))
    assert _subscriptions(session) == 1
    assert session.scalar(select(Subscription.confirmed_at)) is None  # GET confirms nothing
    submit(page, "main form button[type=submit]")
    assert "订阅已生效" in page.content() and NAME in page.content()
    fits(page)

    _import(runner, tmp_path, "penalties", PENALTIES)
    _run_consumers(app)
    mails = smtp.inbox.to(CITIZEN)
    assert len(mails) == 2, [m["Subject"] for m in mails]
    alert = mails[1]
    text = _text(alert)
    assert NAME in text and "兰环罚〔2026〕7号" in text
    header = alert["List-Unsubscribe"].strip().strip("<>")
    assert header in text  # the same link in the body, for people who read mail without buttons

    page.goto(_on_live_server(header, server))
    assert _subscriptions(session) == 1  # the page asks first
    submit(page, "main form button[type=submit]")
    assert "已退订" in page.content()
    assert _subscriptions(session) == 0
    context.close()
