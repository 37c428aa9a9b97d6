"""The map pages in real Chromium at 390 and 1366 px, in zh-CN and English: the drawing fits
the screen, nothing scrolls sideways, axe-core finds no violation, and the page needs no
JavaScript. Screenshots go to test-artifacts/maps/ (README: Maps)."""

from __future__ import annotations

import json

import pytest

from credit.maps import areas
from tests.browser.chromium import ARTIFACTS, CHROMIUM
from tests.browser.phone import AXE
from tests.browser.phone import axe_violations as _axe
from tests.credit.test_maps import _district, _grid, _square
from tests.disclosure.conftest import PASSWORD, make_regulator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make browser-deps)"),
]
WIDTHS = (390, 1366)
LANGS = ("zh-CN", "en")


@pytest.fixture
def app_config(app_config):
    # the regulator's page is what is tested here, not the second factor (test_story does it)
    return {**app_config, "REGULATOR_MFA": "optional"}


def _data(session, app) -> None:
    from credit.tipoffs.filing import TipOffInput, file_tipoff

    areas.clear_cache()
    _district(session, per_level=3)
    _grid(session, "620102-01", _square(103.82, 36.05, 103.88, 36.08))
    _grid(session, "620102-02", _square(103.88, 36.05, 103.94, 36.08))
    with app.app_context():
        for lat, lon in (("36.0612", "103.8401"), ("36.0655", "103.8522")):
            file_tipoff(
                session,
                TipOffInput(
                    category="air",
                    description="夜间烟囱冒黑烟，气味刺鼻。",
                    location="某地",
                    latitude=lat,
                    longitude=lon,
                    region_code="620102",
                ),
            )
    make_regulator(session, "map@example.cn", "620100")
    session.commit()


def _check(page, name: str, width: int, lang: str, problems: list[str]) -> None:
    overflow = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if overflow[0] > overflow[1]:
        problems.append(f"{name} at {width}px ({lang}) scrolls sideways: {overflow}")
    box = page.locator("svg.map-svg").bounding_box()
    if box is None or box["width"] > width or box["width"] < min(width - 40, 300):
        problems.append(f"{name} at {width}px ({lang}): the map is {box}")
    rows = page.locator("table.map-list tbody tr").count()
    symbols = page.locator("svg.map-svg g.layer use").count()
    if rows != symbols or not rows:
        problems.append(f"{name} at {width}px ({lang}): {symbols} symbols, {rows} rows")
    for violation in _axe(page):
        problems.append(f"{name} at {width}px ({lang}): axe {json.dumps(violation)}")


@pytest.mark.parametrize("lang", LANGS)
def test_map_pages_fit_phone_and_desktop_and_pass_axe(app, session, server, browser, lang):
    _data(session, app)
    out = ARTIFACTS / "maps"
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(
            viewport={"width": width, "height": 844 if width < 1000 else 900},
            locale=lang,
            bypass_csp=True,  # axe's script is injected into the page
            java_script_enabled=True,
        )
        page = context.new_page()
        response = page.goto(f"{server}/map?region=620102&lang={lang}")
        assert response is not None and response.status == 200
        _check(page, "map", width, lang, problems)
        page.screenshot(path=str(out / f"map-{width}-{lang}.png"), full_page=True)
        page.locator("svg.map-svg").screenshot(path=str(out / f"map-svg-{width}-{lang}.png"))

        page.goto(f"{server}/regulator/login?lang={lang}")
        page.fill("input[name=email]", "map@example.cn")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()
        response = page.goto(f"{server}/regulator/map?grid=620102-01&lang={lang}")
        assert response is not None and response.status == 200, page.url
        _check(page, "regulator-map", width, lang, problems)
        page.screenshot(path=str(out / f"regulator-map-{width}-{lang}.png"), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)


def test_map_page_works_without_javascript(app, session, server, browser):
    _data(session, app)
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/map")
    page.fill("input[name=region]", "620102")
    page.locator("form.map-picker button").click()
    page.wait_for_load_state()
    assert "region=620102" in page.url
    assert page.locator("svg.map-svg g.layer-enterprises use").count() == 18
    context.close()
