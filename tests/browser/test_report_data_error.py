"""A citizen reports a data error in real Chromium on a 390 px phone with JavaScript off:
opens a penalty page, follows 报告数据错误, submits the form, and sees the report and the
penalty marked 核查中; the contact given appears on no public page."""

from __future__ import annotations

from sqlalchemy import select

from credit.data_errors.models import DataErrorReport
from tests.browser.phone import NEEDS_CHROMIUM, PHONE, fits
from tests.browser.test_follow_enterprise import ENTERPRISES, PENALTIES, _import

pytestmark = NEEDS_CHROMIUM
CONTACT = "reporter-13800003333@example.cn"


def test_a_citizen_reports_an_error_in_a_penalty_on_a_phone(
    session, server, browser, runner, tmp_path
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    _import(runner, tmp_path, "penalties", PENALTIES)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/penalties")
    with page.expect_navigation():
        page.click("text=兰环罚〔2026〕7号")
    assert "/penalties/" in page.url and "核查中" not in page.inner_text("main")
    penalty_url = page.url
    fits(page)

    with page.expect_navigation():
        page.click("text=报告数据错误")
    fits(page)
    # the field is required (the browser refuses an empty one); blanks reach the server
    page.fill("textarea[name=description]", "   ")
    with page.expect_navigation():  # and are refused there, nothing stored
        page.click("main form button[type=submit]")
    assert "请填写错误说明" in page.inner_text("main")
    page.fill("textarea[name=description]", "罚款金额应为 2 万元，不是 20 万元")
    page.fill("input[name=contact]", CONTACT)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/data-errors/SJ-" in page.url
    assert "核查中" in page.inner_text("#report-status")
    assert CONTACT not in page.content()
    fits(page)

    page.goto(penalty_url)
    assert page.inner_text(".under-review") == "核查中"
    assert CONTACT not in page.content()
    fits(page)
    page.goto(f"{server}/data")
    assert "行政处罚" in page.inner_text("#datasets") and CONTACT not in page.content()
    fits(page)
    context.close()
    session.rollback()
    report = session.scalars(select(DataErrorReport)).one()
    assert report.contact == CONTACT and report.status == "open"
