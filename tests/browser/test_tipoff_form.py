"""The tip-off form in real Chromium (#15 item 4): a validation error keeps the photo, a
polluter not in the registry is accepted, the form, its error state, the receipt and the
tracking page fit a 390 px (and 320 px) phone, and axe-core finds nothing on the error state.

Screenshots go to test-artifacts/tipoff-form/.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from credit.tipoffs.models import Attachment, TipOff
from tests.browser.chromium import ARTIFACTS, CHROMIUM
from tests.browser.phone import AXE
from tests.browser.phone import axe_violations as _axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make browser-deps)"),
]
OUT = ARTIFACTS / "tipoff-form"


@pytest.fixture
def browser(browser):
    """The shared browser, with this file's screenshot folder made."""
    OUT.mkdir(parents=True, exist_ok=True)
    return browser


def _phone(browser, width: int = 390, **options):
    context = browser.new_context(
        viewport={"width": width, "height": 844}, locale="zh-CN", **options
    )
    return context, context.new_page()


def _photo(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (90, 90, 90)).save(buffer, "JPEG")
    path = tmp_path / "排污口.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def _overflow(page) -> list[int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def _fill(page, *, description: str, enterprise: str = "", region: str = "620100") -> None:
    page.select_option("#category", "water")
    page.fill("#description", description)
    page.fill("#location", "兰州市西固区河滩东侧排污口")
    if region:
        page.select_option("#region_code", region)
    if enterprise:
        page.fill("#enterprise", enterprise)


def _submit(page) -> None:
    page.click("form.tipoff-form button[type=submit]")
    page.wait_for_load_state("load")


def test_a_validation_error_keeps_the_photo(app, session, server, browser, tmp_path):
    # axe is injected into the page: this context bypasses the site's CSP
    context, page = _phone(browser, bypass_csp=True)
    page.goto(f"{server}/tipoffs/new")
    assert not page.is_visible("#reporter_name")  # 匿名 chosen: the named block is hidden
    page.check("#identity-named")
    assert page.is_visible("#reporter_name")
    page.check("#identity-anonymous")
    _fill(page, description="太短")
    page.eval_on_selector("#description", "e => e.removeAttribute('minlength')")
    page.set_input_files("#attachments", str(_photo(tmp_path)))
    _submit(page)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "已保留 1 个附件" in page.content() and "排污口.jpg" in page.inner_text("#kept-files")
    assert page.get_attribute("#description", "aria-invalid") == "true"
    assert _overflow(page)[0] <= _overflow(page)[1], _overflow(page)
    violations = _axe(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False)
    page.screenshot(path=str(OUT / "error-kept-photo-390.png"), full_page=True)
    page.click('#error-summary a[href="#description"]')
    assert page.evaluate("document.activeElement.id") == "description"
    page.fill("#description", "排污口夜间排放发黑的废水，河面有明显的泡沫和异味。")
    _submit(page)  # no file chosen again
    assert "举报回执" in page.inner_text("h1")
    assert "1 个" in page.inner_text("section.receipt")
    session.rollback()
    (tipoff,) = session.scalars(select(TipOff)).all()
    (attachment,) = session.scalars(select(Attachment)).all()
    assert attachment.tipoff_id == tipoff.id and attachment.filename == "排污口.jpg"
    context.close()


def test_a_report_naming_an_unregistered_polluter_is_accepted(app, session, server, browser):
    context, page = _phone(browser)
    page.goto(f"{server}/tipoffs/new")
    _fill(
        page, description="河边无名小作坊夜里偷偷焚烧电缆，黑烟很大。", enterprise="河边无名小作坊"
    )
    _submit(page)
    text = page.inner_text("section.receipt")
    assert "河边无名小作坊" in text and "由办理部门核实" in text
    session.rollback()
    (tipoff,) = session.scalars(select(TipOff)).all()
    assert tipoff.enterprise_name == "河边无名小作坊" and tipoff.region_code == "620100"
    context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_form_receipt_and_tracking_fit_a_phone(app, session, server, browser, width, tmp_path):
    context, page = _phone(browser, width)
    page.goto(f"{server}/tipoffs/new")
    assert _overflow(page)[0] <= width, ("form", _overflow(page))
    page.check("#identity-named")
    page.fill("#reporter_name", "王五")
    page.fill("#reporter_phone", "13800000000")
    _fill(page, description="夜间烟囱冒黑烟，气味刺鼻，持续两个多小时。")
    page.set_input_files("#attachments", str(_photo(tmp_path)))
    _submit(page)
    assert _overflow(page)[0] <= width, ("receipt", _overflow(page))
    code = page.inner_text("#receipt-code")
    secret = page.inner_text("#receipt-secret")
    # the secret never breaks across lines: one line box
    lines = page.eval_on_selector("#receipt-secret code", "e => e.getClientRects().length")
    height = page.eval_on_selector("#receipt-secret code", "e => e.getBoundingClientRect().height")
    size = page.eval_on_selector(
        "#receipt-secret code", "e => parseFloat(getComputedStyle(e).lineHeight) || 30"
    )
    assert lines == 1 and height <= size * 1.5, (lines, height, size)
    assert page.is_visible("#print-receipt") and page.is_visible("button[data-copy]")
    page.screenshot(path=str(OUT / f"receipt-{width}.png"), full_page=True)
    page.goto(f"{server}/tipoffs/track")
    page.fill("#code", code)
    page.fill("#secret", secret)
    page.click("form.stack button[type=submit]")
    assert page.get_attribute("ol.progress li[aria-current]", "aria-current") == "step"
    assert re.search(r"还剩 \d+ 天", page.content())
    assert _overflow(page)[0] <= width, ("tracking", _overflow(page))
    page.screenshot(path=str(OUT / f"tracking-{width}.png"), full_page=True)
    context.close()


def test_use_my_location_fills_the_coordinates_under_the_sites_csp(server, browser):
    context, page = _phone(
        browser,
        geolocation={"latitude": 36.0611, "longitude": 103.8343},
        permissions=["geolocation"],
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/tipoffs/new?lang=en")
    page.click("#use-location")  # shown by the static script, allowed by script-src 'self'
    page.wait_for_function("document.getElementById('latitude').value !== ''")
    assert page.input_value("#latitude") == "36.061100"
    assert page.input_value("#longitude") == "103.834300"
    assert "Your current position was filled in" in page.inner_text("#location-status")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_the_english_error_state_passes_axe_and_fits(app, session, server, browser):
    context, page = _phone(browser, bypass_csp=True)
    page.goto(f"{server}/tipoffs/new?lang=en")
    page.check("#identity-named")
    page.fill("#reporter_name", "Wang Wu")
    _fill(page, description="x" * 12, enterprise="Nameless workshop", region="")
    page.fill("#location", "by the river")
    _submit(page)
    summary = page.inner_text("#error-summary")
    assert "Enterprise reported: this enterprise is not in the registry" in summary, summary
    assert "Phone or e-mail: a named report needs a phone number" in summary, summary
    assert not re.search(r"[\u4e00-\u9fff]", summary)  # the page's language only
    assert _overflow(page)[0] <= _overflow(page)[1], _overflow(page)
    violations = _axe(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False)
    page.screenshot(path=str(OUT / "error-en-390.png"), full_page=True)
    context.close()
