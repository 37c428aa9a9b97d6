"""A transfer in real Chromium on a 360 px phone with JavaScript off: the sender fills the
form, confirms on the second page, the receiver acknowledges it from /regulator/transfers."""

from __future__ import annotations

import pyotp
import pytest

from credit.tipoffs.filing import TipOffInput, file_tipoff
from tests.browser.chromium import CHROMIUM
from tests.factories import create_regulator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]
REASON = "污染源位于嘉峪关市境内，应由属地办理"


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, (page.url, width)


def _log_in(browser, server, email):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{server}/regulator/login")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery")
    _submit(page, "form.stack button[type=submit]")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    _submit(page, "form.stack button[type=submit]")
    return context, page


def test_a_transfer_on_a_phone_without_javascript(app, session, server, browser):
    create_regulator(session, "lanzhou@example.cn", "620100")
    create_regulator(session, "jyg@example.cn", "620200")
    with app.app_context():
        filed = file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="化工厂夜间排放刺鼻黑烟很严重",
                location="西固区",
                region_code="620100",
            ),
        )
    session.commit()
    due = filed.tipoff.due_at.isoformat()

    context, page = _log_in(browser, server, "lanzhou@example.cn")
    page.goto(f"{server}/regulator/tipoffs/{filed.tipoff.id}")
    _fits(page)
    page.check("#tk-region")
    page.fill("#tr-region", "620200")
    page.fill("#tr-reason", REASON)
    _submit(page, "form:has(#tr-reason) button[type=submit]")
    assert "确认移送" in page.content() and due in page.content()
    _fits(page)
    _submit(page, "form:has(input[name=token]) button[type=submit]")
    assert "等待签收" in page.content()
    context.close()

    context, page = _log_in(browser, server, "jyg@example.cn")
    page.goto(f"{server}/regulator/transfers/")
    _fits(page)
    assert filed.tracking_code in page.content() and REASON in page.content()
    _submit(page, "td form button[type=submit]")
    assert "已签收" in page.content() and filed.tracking_code in page.content()
    context.close()
