"""A regulator's day in real Chromium on a 390 px phone: log in (second factor), find the new
tip-off on the to-do list, accept it, transfer it to another region, where a second officer
acknowledges it and closes it as substantiated (through the confirmation page) and proposes a
reward, which a third officer approves (four eyes). axe-core checks the to-do and tip-off pages."""

from __future__ import annotations

import pyotp

from credit.rewards.models import Reward
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from tests.browser.phone import NEEDS_AXE, PHONE, axe, fits, sign_in, submit
from tests.factories import create_regulator

pytestmark = NEEDS_AXE
REASON = "污染源位于嘉峪关市境内，应由属地办理"


def _officer(browser, server: str, email: str):
    """A phone-sized browser of a regulator, logged in (first login: enrol the second factor).
    The context bypasses the site's CSP only so that the test can inject axe's script."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    sign_in(page, server, email)
    page.fill("#code", pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", "")).now())
    submit(page, "form.stack button[type=submit]")
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
    fits(page)
    axe(page)
    submit(page, f"section:has(#todo-new) a:has-text('{code}')")
    assert page.url.endswith(f"/regulator/tipoffs/{tid}")
    fits(page)
    axe(page)
    page.fill("#accept-note", "已电话核实位置")
    submit(page, "form:has(#accept-note) button[type=submit]")
    assert "已受理" in page.content()
    assert _status(session, tid) == "accepted"
    page.check("#tk-region")
    page.fill("#tr-region", "620200")
    page.fill("#tr-reason", REASON)
    submit(page, "form:has(#tr-reason) button[type=submit]")
    assert "确认移送" in page.content()
    submit(page, "form:has(input[name=token]) button[type=submit]")
    assert "等待签收" in page.content()
    context.close()

    # 2. Jiayuguan: acknowledge, close as substantiated (two steps), propose a reward
    context, page = _officer(browser, server, "jyg@example.cn")
    page.goto(f"{server}/regulator/transfers/")
    assert code in page.content() and REASON in page.content()
    submit(page, "td form button[type=submit]")
    assert "已签收" in page.content()
    page.goto(f"{server}/regulator/tipoffs/{tid}")
    fits(page)
    axe(page)
    page.select_option("#severity", "general")
    submit(page, "form:has(#severity) button[type=submit]")
    assert "已定级" in page.content()
    page.fill("#outcome", "现场查实偷排，已立案处罚")
    page.check("#sub-yes")
    submit(page, "form:has(#outcome) button[type=submit]")
    assert "请确认" in page.content() and "确认办结" in page.content()
    fits(page)
    assert _status(session, tid) == "accepted"  # the first step stored nothing
    submit(page, ".confirm-box form button.danger")
    assert "已办结" in page.content()
    assert _status(session, tid) == "closed"
    assert session.get(TipOff, tid).substantiated is True
    page.check("#rw-o-penalised")
    submit(page, "form:has(#rw-amount) button[type=submit]")
    assert "确认提议奖励" in page.content()
    submit(page, "form:has([name=confirm_token]) button[type=submit]")
    assert "须由另一名办理人员审批" in page.content()
    assert not page.is_visible("#rw-note")  # the proposer cannot approve
    context.close()

    # 3. A second Jiayuguan officer approves it from the rewards list
    context, page = _officer(browser, server, "jyg.fuhe@example.cn")
    page.goto(f"{server}/regulator/rewards")
    with page.expect_navigation():
        page.click(f"text={code}")
    submit(page, "form:has(#rw-note) button[type=submit]")
    submit(page, "form:has([name=confirm_token]) button[type=submit]")
    assert "已批准奖励" in page.content()
    fits(page)
    context.close()
    session.rollback()
    reward = session.query(Reward).filter_by(tipoff_id=tid).one()
    assert reward.status == "approved" and reward.approver_id != reward.proposer_id
