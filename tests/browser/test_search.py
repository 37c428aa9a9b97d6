"""Search in real Chromium, as a citizen types: an exact USCC and a decision number typed with
ASCII brackets land on their pages; 兰洲 offers 兰州; at 320 px nothing scrolls sideways and
axe-core finds nothing, with JavaScript off (the pages need none).

Screenshots go to test-artifacts/search/.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.changelog import record_change
from search.indexer import SearchIndexer
from tests.browser.chromium import ARTIFACTS, CHROMIUM
from tests.browser.phone import AXE
from tests.browser.phone import axe_violations as _axe
from tests.factories import create_enterprise, create_penalty, create_rating

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make browser-deps)"),
]


def _seed(app, session):
    ent = create_enterprise(session, name="兰州华源化工有限公司", region_code="620102")
    create_rating(session, ent, "yellow", 72)
    fine = create_penalty(
        session,
        ent,
        decision_no="兰环罚〔2023〕346号",
        decision_date=dt.date.today() - dt.timedelta(days=30),
    )
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", fine.id, enterprise_id=ent.id)
    session.commit()
    with app.app_context():
        SearchIndexer(app.extensions["envcredit.search"]).catch_up()
    return ent, fine


def _search(page, server: str, text: str) -> None:
    page.goto(f"{server}/")
    page.fill("#q", text)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_typed_codes_land_on_their_pages_and_typos_offer_a_spelling(
    app, session, server, browser, javascript
):
    ent, fine = _seed(app, session)
    out = ARTIFACTS / "search"
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 320, "height": 700},
        locale="zh-CN",
        java_script_enabled=javascript,
        bypass_csp=True,
    )
    page = context.new_page()
    problems: list[str] = []

    def check(name: str) -> None:
        width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if width[0] > width[1]:
            problems.append(f"{name} scrolls sideways at 320 px: {width}")
        if javascript:  # axe runs as a script
            problems.extend(f"{name}: axe {v}" for v in _axe(page))
        page.screenshot(path=str(out / f"{name}-320-{'js' if javascript else 'nojs'}.png"))

    page.goto(f"{server}/")
    assert page.get_by_label("查询企业环境信用").is_visible()
    check("home")

    _search(page, server, f"  {ent.uscc.lower()} ")
    assert page.url == f"{server}/enterprises/{ent.uscc}"
    assert "兰州华源化工有限公司" in page.content()

    _search(page, server, "兰环罚(2023)346")
    assert page.url == f"{server}/penalties/{fine.id}"
    assert "兰环罚〔2023〕346号" in page.content()

    _search(page, server, "兰洲")
    offer = page.get_by_role("link", name="您是不是要找“兰州”？")
    assert offer.is_visible()
    assert "兰州华源化工有限公司" in page.inner_text(".results")
    check("did-you-mean")
    offer.click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="兰州华源化工有限公司", exact=True).is_visible()

    page.goto(f"{server}/?q=公司&region=620100&type=enterprise")
    assert page.get_by_role("link", name="清除筛选").is_visible()
    check("chips")
    page.goto(f"{server}/?region=620100")
    check("browse")
    context.close()
    assert not problems, "\n".join(problems)
