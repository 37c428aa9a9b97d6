"""A reward in real Chromium, on a phone-sized screen: one officer proposes it (with the
confirmation page), a second approves it from /regulator/rewards, and the anonymous
reporter gives the payment details on the tracking page."""

from __future__ import annotations

import pyotp
import pytest

from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.outcome import close_tipoff
from credit.tipoffs.workflow import accept_tipoff, classify_tipoff, start_investigation
from tests.browser.chromium import ARTIFACTS, CHROMIUM
from tests.factories import create_regulator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]
PHONE = {"width": 360, "height": 740}


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _officer(browser, server: str, email: str):
    """A phone-sized browser of a regulator, logged in (first login: enrol the second factor)."""
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.goto(f"{server}/regulator/login")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery")
    _submit(page, "form.stack button[type=submit]")
    page.fill("#code", pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", "")).now())
    _submit(page, "form.stack button[type=submit]")
    return page


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_propose_approve_and_claim_a_reward(app, session, server, browser):
    proposer = create_regulator(session, "lanzhou@example.cn")
    create_regulator(session, "fuhe@example.cn")
    with app.app_context():
        filed = file_tipoff(
            session,
            TipOffInput(
                category="water",
                description="造纸厂夜间向河道直排黑色废水",
                location="西固区河口",
                region_code="620100",
            ),
        )
        tid = filed.tipoff.id
        accept_tipoff(session, proposer, tid)
        classify_tipoff(session, proposer, tid, severity="general")
        start_investigation(session, proposer, tid)
        close_tipoff(
            session,
            proposer,
            tid,
            outcome="查实偷排，已立案处罚",
            substantiated=True,
            confirmed=True,
        )
    session.commit()
    ARTIFACTS.mkdir(exist_ok=True)

    page = _officer(browser, server, "lanzhou@example.cn")
    page.goto(f"{server}/regulator/tipoffs/{tid}")
    page.check("#rw-o-penalised")
    _submit(page, "form:has(#rw-amount) button[type=submit]")
    assert "确认提议奖励" in page.content() and "1000 元" in page.content()
    _fits(page)
    _submit(page, "form:has([name=confirm_token]) button[type=submit]")
    assert "须由另一名办理人员审批" in page.content()

    page = _officer(browser, server, "fuhe@example.cn")
    page.goto(f"{server}/regulator/rewards")
    page.click(f"text={filed.tracking_code}")
    page.wait_for_load_state()
    _submit(page, "form:has(#rw-note) button[type=submit]")
    _submit(page, "form:has([name=confirm_token]) button[type=submit]")
    assert "已批准奖励" in page.content()

    citizen = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    citizen.goto(f"{server}/tipoffs/track")
    citizen.fill("#code", filed.tracking_code)
    citizen.fill("#secret", filed.secret)
    _submit(citizen, "form button[type=submit] >> nth=0")
    assert "已批准" in citizen.content() and "领取奖励" in citizen.content()
    _fits(citizen)
    citizen.fill("#payee-name", "赵领奖")
    citizen.fill("#id-number", "11010519491231002X")
    citizen.check("#method-phone")
    citizen.fill("#account", "13900002222")
    _submit(citizen, "form:has(#payee-name) button[type=submit]")
    content = citizen.content()
    assert "领取信息已提交" in content and "11010519491231002X" not in content
    citizen.screenshot(path=str(ARTIFACTS / "reward-claimed.png"), full_page=True)
