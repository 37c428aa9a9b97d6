"""An enterprise's user on a 390 px phone with JavaScript off, in real Chromium: signs in,
files an objection to one of its penalties from its account (the form is prefilled), finds
it in the account's list with its answer deadline and opens its progress page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.clock import today as china_today
from core.workdays import add_workdays
from credit.cases.models import Objection
from credit.cases.objections import ANSWER_WORKDAYS
from tests.browser.chromium import ARTIFACTS
from tests.browser.phone import NEEDS_CHROMIUM, PHONE, fits, sign_in, submit
from tests.factories import create_enterprise, create_enterprise_user, create_penalty

pytestmark = NEEDS_CHROMIUM


def test_an_enterprise_user_files_an_objection_and_follows_it_on_a_phone(session, server, browser):
    ent = create_enterprise(session, name="兰州手机异议测试有限公司", region_code="620102")
    penalty = create_penalty(session, ent, decision_date=china_today() - dt.timedelta(days=30))
    session.commit()
    create_enterprise_user(session, ent, email="phone-filer@example.cn", name="赵填报")
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()

    sign_in(page, server, "phone-filer@example.cn")
    assert page.url.endswith("/enterprise/")
    with page.expect_navigation():
        page.click("nav a[href='/enterprise/objections/']")
    fits(page)
    with page.expect_navigation():
        page.click("#repairable a[href*='/enterprise/objections/new?target=penalty']")
    fits(page)
    assert ent.uscc in page.inner_text("main")
    assert page.input_value("#contact") == "赵填报 phone-filer@example.cn"
    assert page.input_value("#target") == f"penalty:{penalty.id}"
    page.fill("#claim", "处罚认定的排放浓度有误，已附第三方监测报告。")
    submit(page, "form.stack button[type=submit]")

    assert page.url.endswith("/enterprise/objections/")
    session.rollback()
    objection = session.scalar(select(Objection))
    assert objection.due_at == add_workdays(china_today(), ANSWER_WORKDAYS)
    listing = page.inner_text("#own-cases")
    assert objection.reference in listing and objection.due_at.isoformat() in listing
    assert "赵填报" in listing and penalty.decision_no in listing
    fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "enterprise-objections.png"), full_page=True)

    with page.expect_navigation():
        page.click(f"a[href='/cases/{objection.reference}']")
    steps = page.inner_text("#case-steps")
    assert "提交并受理" in steps and objection.due_at.isoformat() in steps
    assert "等待答复" in steps
    fits(page)
    context.close()
