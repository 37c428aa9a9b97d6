"""The rating's story on a phone, /stats at 320 px and 长者模式 in real Chromium.

- the enterprise page's first screen at 390×844 shows the name, the level and the
  why-sentence; the history chart's text renders at ≥ 12 px on a 320 px phone;
- /stats at 320 px does not scroll sideways, with data in two provinces and all groups open;
- 长者模式, switched on by its link (no JavaScript), passes axe with 0 violations, keeps
  320 px reflow and sets 20 px text on every page it is tried on.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.browser.chromium import ARTIFACTS, CHROMIUM
from tests.browser.phone import AXE
from tests.browser.phone import axe_violations as _axe
from tests.disclosure.test_tipoffs import file_through_page
from tests.factories import create_enterprise, create_penalty, create_rating, make_uscc

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make browser-deps)"),
]


def _enterprise_with_history(session):
    ent = create_enterprise(
        session,
        name="兰州凯达石油化工有限责任公司第二分公司",
        permit_category="key",
        address="甘肃省兰州市城关区东岗西路街道东岗西路 1234 号院 5 号楼",
    )
    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=40))
    item = {
        "rule": "penalty.grave",
        "points": -30,
        "source": {"type": "penalty", "id": penalty.id},
        "note": None,
    }
    for as_of, level, score, items, current in (
        (dt.date(2025, 1, 1), "green", 100, [], False),
        (dt.date(2025, 9, 1), "yellow", 70, [item], False),
        (dt.date(2026, 6, 30), "yellow", 70, [item], True),
    ):
        rating = create_rating(session, ent, level, score)
        rating.as_of, rating.explanation, rating.is_current = as_of, items, current
        session.flush()
    for n, region in enumerate(("620200", "110101")):
        other = create_enterprise(session, uscc=make_uscc(700 + n, region), region_code=region)
        create_rating(session, other, "blue", 90)
    session.commit()
    return ent


def _no_overflow(page) -> bool:
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return bool(width[0] <= width[1])


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_enterprise_first_screen_on_a_phone(app, session, server, browser, lang):
    ent = _enterprise_with_history(session)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=lang)
    page = context.new_page()
    page.goto(f"{server}/enterprises/{ent.uscc}?lang={lang}")
    for selector in ("h1", "#rating .verdict .level", "#rating .why-sentence"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["height"] > 0, selector
        assert box["y"] + box["height"] <= 844, f"{selector} below the first screen: {box}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"story-enterprise-first-screen-390-{lang}.png"))
    context.close()
    # at 320 px the history chart's 14-unit text is drawn at ≥ 12 px
    context = browser.new_context(viewport={"width": 320, "height": 700}, locale=lang)
    page = context.new_page()
    page.goto(f"{server}/enterprises/{ent.uscc}?lang={lang}")
    assert _no_overflow(page)
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('svg.level-history text')).map(t => "
        "t.getBoundingClientRect().height)"
    )
    scale = page.evaluate(
        "(() => { const s = document.querySelector('svg.level-history'); "
        "return s.getBoundingClientRect().width / s.viewBox.baseVal.width; })()"
    )
    assert sizes and 14 * scale >= 12, (scale, sizes)
    context.close()


def test_stats_at_320_px_has_no_horizontal_overflow(app, session, server, browser):
    _enterprise_with_history(session)
    client = app.test_client()
    file_through_page(client)
    for lang in ("zh-CN", "en"):
        context = browser.new_context(viewport={"width": 320, "height": 700}, locale=lang)
        page = context.new_page()
        page.goto(f"{server}/stats?lang={lang}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.locator("details.province").count() == 2
        assert _no_overflow(page), lang
        # the month form stays on one line: label, select and button share a row
        tops = page.evaluate(
            "Array.from(document.querySelectorAll('form.month-form > *'))"
            ".map(e => Math.round(e.getBoundingClientRect().top + "
            "e.getBoundingClientRect().height / 2))"
        )
        assert max(tops) - min(tops) <= 8, tops
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"story-stats-320-{lang}.png"), full_page=True)
        context.close()


def test_senior_mode_by_its_link_passes_axe_and_reflows(app, session, server, browser):
    ent = _enterprise_with_history(session)
    paths = ["/", f"/enterprises/{ent.uscc}", "/stats", "/tipoffs/new", "/accessibility"]
    problems: list[str] = []
    for width in (320, 390, 1366):
        context = browser.new_context(
            viewport={"width": width, "height": 844},
            locale="zh-CN",
            bypass_csp=True,
            java_script_enabled=True,
        )
        page = context.new_page()
        page.goto(f"{server}/")
        page.click("a.senior-switch")  # a plain link: the cookie is set by the server
        for path in paths:
            page.goto(f"{server}{path}")
            assert page.evaluate("document.documentElement.classList.contains('senior')")
            size = page.evaluate("getComputedStyle(document.body).fontSize")
            if size != "20px":
                problems.append(f"{path} at {width}px: body font {size}")
            if not _no_overflow(page):
                problems.append(f"{path} at {width}px scrolls sideways in 长者模式")
            for violation in _axe(page):
                problems.append(f"{path} at {width}px (长者模式): axe {json.dumps(violation)}")
            if width == 390 and path == "/":
                page.screenshot(path=str(ARTIFACTS / "story-senior-home-390.png"), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)
