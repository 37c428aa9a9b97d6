"""The whole story in real Chromium: search → enterprise → tip-off → track → regulator closes
it as substantiated → the citizen sees the outcome and the enterprise's rating has changed.

Screenshots of the main pages are saved under test-artifacts/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyotp
import pytest
from PIL import Image

from core.changelog import record_change
from core.consumers import drain
from tests.browser.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.factories import create_enterprise, create_regulator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]


def _submit(page, selector: str) -> None:
    """Click a submit button and wait until the next page has loaded: ``content()`` read
    while the browser is between pages is empty."""
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        yield context.new_page()
        context.close()
        browser.close()


def _photo(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 80, 60)).save(buffer, "JPEG")
    path = tmp_path / "smoke.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_citizen_and_regulator_story(app, session, server, page, tmp_path):
    ent = create_enterprise(
        session,
        name="兰州华源化工有限公司",
        uscc="91350100M000100Y43",
        address="兰州市西固区化工街1号",
    )
    create_regulator(session, "lanzhou@example.cn")
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    with app.app_context():
        drain(app)  # index and rate, as the background threads would

    page.goto(f"{server}/")
    page.fill("#q", "华源化工")
    _submit(page, "form[role=search] button[type=submit]")
    _shot(page, "search")
    page.click("text=兰州华源化工有限公司")
    assert "环保诚信企业" in page.content()  # 100, green
    _shot(page, "enterprise-before")

    page.click("text=举报该企业的污染行为")
    page.select_option("#category", "air")
    page.fill("#description", "夜间烟囱冒黑烟，气味刺鼻，持续两个多小时。")
    page.fill("#location", "兰州市西固区化工街1号东侧")
    page.check("#identity-anonymous")
    page.set_input_files("#attachments", str(_photo(tmp_path)))
    _shot(page, "tipoff-form")
    _submit(page, "form button[type=submit] >> nth=-1")
    codes = re.findall(r'<code class="big">([^<]+)</code>', page.content())
    assert len(codes) == 2, page.content()[:2000]
    code, secret = codes
    _shot(page, "tipoff-receipt")

    page.goto(f"{server}/regulator/login")
    page.fill("#email", "lanzhou@example.cn")
    page.fill("#password", "correct horse battery")
    _submit(page, "form.stack button[type=submit]")
    # first login: set up the second factor (REGULATOR_MFA=required), as a person would
    _shot(page, "regulator-mfa-enrol")
    totp_secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("#code", pyotp.TOTP(totp_secret).now())
    _submit(page, "form.stack button[type=submit]")
    assert len(page.query_selector_all("ul.recovery-codes code")) == 10
    _shot(page, "regulator-recovery-codes")
    page.goto(f"{server}/regulator/tipoffs/")
    _shot(page, "regulator-queue")
    page.click(f"text={code}")
    _submit(page, "form:has(#accept-note) button[type=submit]")
    page.fill("#outcome", "经现场检查，该公司脱硫设施未正常运行，已责令整改并立案查处。")
    page.check("#sub-yes")
    _submit(page, "form:has(#outcome) button[type=submit]")
    _shot(page, "regulator-confirm-close")  # 办结 is confirmed on a second page
    _submit(page, ".confirm-box form button.danger")
    _shot(page, "regulator-closed")
    with app.app_context():
        drain(app)

    page.goto(f"{server}/tipoffs/track")
    page.fill("#code", code)
    page.fill("#secret", secret)
    _submit(page, "form button[type=submit] >> nth=0")
    assert "脱硫设施未正常运行" in page.content()
    _shot(page, "tipoff-tracking")

    page.goto(f"{server}/enterprises/{ent.uscc}")
    content = page.content()
    assert "举报查证属实" in content and "现场检查发现问题" in content  # the rules, by title
    assert "环保良好企业" in content  # 100 − 3 − 5 = 92, blue
    _shot(page, "enterprise-after")


def test_pages_fit_a_360px_phone(app, session, server, page):
    ent = create_enterprise(session, name="南阳宏达纸业有限公司")
    session.commit()
    page.set_viewport_size({"width": 360, "height": 740})
    for path in (
        "/",
        f"/enterprises/{ent.uscc}",
        "/tipoffs/new",
        "/tipoffs/track",
        "/regulator/login",
        "/penalties",
    ):
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        unlabelled = page.evaluate(
            "[...document.querySelectorAll('input:not([type=hidden]):not([type=submit]),"
            "select,textarea')].filter(e => !e.labels.length && !e.getAttribute('aria-label'))"
            ".map(e => e.name)"
        )
        assert unlabelled in ([], ["website"]), (path, unlabelled)  # website: the spam trap
