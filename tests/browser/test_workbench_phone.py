"""The regulator's workbench on a 360 px phone in real Chromium: the to-do list and the
deadlines page fit, and 不予受理 goes through its confirmation page (no JavaScript needed)."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from core.db import utcnow
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from tests.browser.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.factories import create_regulator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False
        )
        yield context.new_page()
        context.close()
        browser.close()


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, (page.url, width)


def test_the_workbench_fits_a_phone_and_reject_is_confirmed(app, session, server, phone):
    create_regulator(session, "phone@example.cn", "620100")
    with app.app_context():
        filed = [
            file_tipoff(
                session,
                TipOffInput(
                    category="air",
                    description="化工厂夜间排放刺鼻黑烟很严重，气味很大",
                    location="西固区福利路一带的化工园区",
                    region_code="620102",
                ),
                now=utcnow() - dt.timedelta(days=days),
            )
            for days in (20, 13, 0)
        ]
    session.commit()
    page = phone
    page.goto(f"{server}/regulator/login")
    page.fill("#email", "phone@example.cn")
    page.fill("#password", "correct horse battery")
    _submit(page, "form.stack button[type=submit]")
    page.fill("#code", pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", "")).now())
    _submit(page, "form.stack button[type=submit]")
    page.goto(f"{server}/regulator/")
    assert page.is_visible("#todo-overdue") and page.is_visible("#todo-new")
    _fits(page)
    page.screenshot(path=str(ARTIFACTS / "regulator-workbench.png"), full_page=True)
    page.goto(f"{server}/regulator/deadlines")
    _fits(page)
    page.screenshot(path=str(ARTIFACTS / "regulator-deadlines.png"), full_page=True)
    tid = filed[2].tipoff.id
    page.goto(f"{server}/regulator/tipoffs/{tid}")
    page.fill("#reject-reason", "不属于生态环境部门职责，已告知向住建部门反映")
    _submit(page, "form:has(#reject-reason) button.danger")
    assert "请确认" in page.content()
    _fits(page)
    session.rollback()
    session.expire_all()
    assert session.get(TipOff, tid).status == "received"  # the first step stored nothing
    _submit(page, ".confirm-box form button.danger")
    session.rollback()
    session.expire_all()
    assert session.get(TipOff, tid).status == "rejected"
