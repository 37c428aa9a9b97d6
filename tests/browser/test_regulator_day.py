"""A regulator's day in real Chromium on a 390 px phone: log in (second factor), find the new
tip-off on the to-do list, accept it, transfer it to another region, where a second officer
acknowledges it and closes it as substantiated (through the confirmation page) and proposes a
reward, which a third officer approves (four eyes). axe-core checks the to-do and tip-off pages."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

from credit.rewards.models import Reward
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from tests.browser.chromium import CHROMIUM
from tests.factories import create_regulator

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make browser-deps)"),
]
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
REASON = "污染源位于嘉峪关市境内，应由属地办理"


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


def _axe(page) -> None:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        AXE_TAGS,
    )
    assert not found, (page.url, json.dumps(found, ensure_ascii=False))


def _officer(browser, server: str, email: str):
    """A phone-sized browser of a regulator, logged in (first login: enrol the second factor).
    The context bypasses the site's CSP only so that the test can inject axe's script."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server}/regulator/login")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery")
    _submit(page, "form.stack button[type=submit]")
    page.fill("#code", pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", "")).now())
    _submit(page, "form.stack button[type=submit]")
    return context, page


def _status(session, tid: int) -> str:
    session.rollback()
    session.expire_all()
    return session.get(TipOff, tid).status


def test_a_regulators_day(app, session, server, browser):
    create_regulator(session, "lanzhou@example.cn", "620100")
    create_regulator(session, "jyg@example.cn", "620200")
    create_regulator(session, "jyg.fuhe@example.cn", "620200")
    with app.app_context():
        filed = file_tipoff(
            session,
            TipOffInput(
                category="water",
                description="造纸厂夜间向河道直排黑色废水，气味刺鼻",
                location="西固区河口",
                region_code="620100",
            ),
        )
    session.commit()
    tid, code = filed.tipoff.id, filed.tracking_code

    # 1. Lanzhou: the to-do list shows the new tip-off; accept it, transfer it
    context, page = _officer(browser, server, "lanzhou@example.cn")
    page.goto(f"{server}/regulator/")
    assert page.is_visible("#todo-new") and code in page.inner_text("section:has(#todo-new)")
    _fits(page)
    _axe(page)
    _submit(page, f"section:has(#todo-new) a:has-text('{code}')")
    assert page.url.endswith(f"/regulator/tipoffs/{tid}")
    _fits(page)
    _axe(page)
    page.fill("#accept-note", "已电话核实位置")
    _submit(page, "form:has(#accept-note) button[type=submit]")
    assert "已受理" in page.content()
    assert _status(session, tid) == "accepted"
    page.check("#tk-region")
    page.fill("#tr-region", "620200")
    page.fill("#tr-reason", REASON)
    _submit(page, "form:has(#tr-reason) button[type=submit]")
    assert "确认移送" in page.content()
    _submit(page, "form:has(input[name=token]) button[type=submit]")
    assert "等待签收" in page.content()
    context.close()

    # 2. Jiayuguan: acknowledge, close as substantiated (two steps), propose a reward
    context, page = _officer(browser, server, "jyg@example.cn")
    page.goto(f"{server}/regulator/transfers/")
    assert code in page.content() and REASON in page.content()
    _submit(page, "td form button[type=submit]")
    assert "已签收" in page.content()
    page.goto(f"{server}/regulator/tipoffs/{tid}")
    _fits(page)
    _axe(page)
    page.select_option("#severity", "general")
    _submit(page, "form:has(#severity) button[type=submit]")
    assert "已定级" in page.content()
    page.fill("#outcome", "现场查实偷排，已立案处罚")
    page.check("#sub-yes")
    _submit(page, "form:has(#outcome) button[type=submit]")
    assert "请确认" in page.content() and "确认办结" in page.content()
    _fits(page)
    assert _status(session, tid) == "accepted"  # the first step stored nothing
    _submit(page, ".confirm-box form button.danger")
    assert "已办结" in page.content()
    assert _status(session, tid) == "closed"
    assert session.get(TipOff, tid).substantiated is True
    page.check("#rw-o-penalised")
    _submit(page, "form:has(#rw-amount) button[type=submit]")
    assert "确认提议奖励" in page.content()
    _submit(page, "form:has([name=confirm_token]) button[type=submit]")
    assert "须由另一名办理人员审批" in page.content()
    assert not page.is_visible("#rw-note")  # the proposer cannot approve
    context.close()

    # 3. A second Jiayuguan officer approves it from the rewards list
    context, page = _officer(browser, server, "jyg.fuhe@example.cn")
    page.goto(f"{server}/regulator/rewards")
    with page.expect_navigation():
        page.click(f"text={code}")
    _submit(page, "form:has(#rw-note) button[type=submit]")
    _submit(page, "form:has([name=confirm_token]) button[type=submit]")
    assert "已批准奖励" in page.content()
    _fits(page)
    context.close()
    session.rollback()
    reward = session.query(Reward).filter_by(tipoff_id=tid).one()
    assert reward.status == "approved" and reward.approver_id != reward.proposer_id
