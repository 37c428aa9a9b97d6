"""The "is this the same?" step of the tip-off form in real Chromium, with JavaScript off:
it fits a 360 px phone, passes axe-core (when installed), and both choices work.

Screenshots go to test-artifacts/tipoff-form/.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff, TipOffEvent
from tests.browser.chromium import ARTIFACTS, CHROMIUM
from tests.browser.phone import AXE
from tests.browser.phone import axe_violations as _axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]
OUT = ARTIFACTS / "tipoff-form"


def _existing(app, session) -> TipOff:
    data = TipOffInput(
        category="air",
        description="西固区合水路化工厂每天晚上十点以后烟囱冒黄烟，气味刺鼻。",
        location="合水路北口",
        latitude="36.061",
        longitude="103.834",
    )
    with app.app_context():
        filed = file_tipoff(session, data)
    session.commit()
    return filed.tipoff


def _to_the_step(browser, server, javascript=False, **options):
    context = browser.new_context(
        viewport={"width": 360, "height": 800},
        locale="zh-CN",
        java_script_enabled=javascript,
        **options,
    )
    page = context.new_page()
    page.goto(f"{server}/tipoffs/new")
    page.select_option("#category", "air")
    page.fill("#description", "合水路那家化工厂晚上冒黄烟，很刺鼻，窗户都不敢开。")
    page.fill("#location", "合水路")
    page.fill("#latitude", "36.0612")
    page.fill("#longitude", "103.8342")
    page.click("form.tipoff-form button[type=submit]")
    page.wait_for_load_state("load")
    return context, page


def _overflow(page) -> list[int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def test_the_step_fits_a_phone_and_files_without_javascript(app, session, server, browser):
    OUT.mkdir(parents=True, exist_ok=True)
    existing = _existing(app, session)
    context, page = _to_the_step(browser, server, bypass_csp=True)
    assert page.inner_text("h1") == "是否为同一件事？"
    assert existing.tracking_code in page.inner_text("#same-list")
    assert _overflow(page)[0] <= _overflow(page)[1], _overflow(page)
    page.screenshot(path=str(OUT / "same-step-360.png"), full_page=True)
    if AXE.exists():  # axe is a script: the same step in a page that runs scripts
        checked, step = _to_the_step(browser, server, javascript=True, bypass_csp=True)
        assert step.inner_text("h1") == "是否为同一件事？"
        violations = _axe(step)
        checked.close()
        assert violations == [], json.dumps(violations, ensure_ascii=False)
    page.click("button[value=new]")
    page.wait_for_load_state("load")
    assert "举报回执" in page.inner_text("h1")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TipOff)) == 2
    context.close()


def test_the_same_adds_to_the_existing_report(app, session, server, browser):
    existing = _existing(app, session)
    context, page = _to_the_step(browser, server)
    page.click("button[value=same]")
    page.wait_for_load_state("load")
    assert page.inner_text("h1") == "补充信息已提交"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TipOff)) == 1
    assert (
        session.scalar(
            select(func.count())
            .select_from(TipOffEvent)
            .where(TipOffEvent.tipoff_id == existing.id, TipOffEvent.kind == "reporter_info")
        )
        == 1
    )
    context.close()
