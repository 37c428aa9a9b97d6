"""Every public page, and its error states, in zh-CN and in English: one language per page.

A page fails on a compound string ("中文 / English" or the reverse) in its visible text, on
Chinese text outside an element marked ``lang="zh-CN"`` when the page is English (data, such as
enterprise names and facts, is allowed only inside such an element) and on a raw field key
(``uscc:``, ``region_code:`` …) shown to a reader.

The pages are the browser tests' list (tests/browser/test_pages.py), which holds every path of
``PUBLIC_EXACT`` too.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.test_pages import _public_paths
from tests.disclosure.conftest import csrf_token
from tests.factories import create_grid
from tests.language_check import PENDING_PAGES, language_problems
from tests.security.test_routes import PUBLIC_EXACT


def test_the_checker_finds_each_kind_of_leak():
    page = (
        '<html lang="en"><body><h1>未找到 / Not found</h1><p>uscc: wrong</p>'
        '<p>Penalty <span lang="zh-CN">兰州化工</span></p><p>环保良好企业</p>'
        '<script>var a = "中文 / English";</script></body></html>'
    )
    found = language_problems(page, "en")
    assert any(p.startswith("compound") and "未找到" in p for p in found)
    assert any(p.startswith("raw field key") for p in found)
    assert any("环保良好企业" in p for p in found)
    assert not any("兰州化工" in p or "var a" in p for p in found)
    assert language_problems(page.replace('lang="en"', 'lang="zh-CN"'), "zh-CN") == [
        "compound string: '未找到 / Not found'",
        "raw field key: 'uscc: wrong'",
    ]


#: public routes that are not pages to read: downloads and the 长者模式 switch (a redirect)
NOT_PAGES = {
    "/penalties.csv",
    "/enterprises.csv",
    "/disclosures.csv",
    "/senior-mode",
    "/data/catalog.jsonld",
    "/data/dictionary.<any(csv, json):fmt>",
    "/readyz",
    "/metrics",
    "/data.json",
}


def _pages(app, session) -> list[tuple[str, str]]:
    """The public pages, with their records in the search index (the search page has hits)."""
    from sqlalchemy import select

    from core.changelog import record_change
    from credit.ratings.models import CreditRating
    from credit.records.models import Enterprise, Penalty
    from search.indexer import SearchIndexer

    paths = _public_paths(session)
    adapter = app.url_map.bind("localhost")
    listed = {adapter.match(path.split("?")[0], return_rule=True)[0].rule for _, path in paths}
    assert listed >= PUBLIC_EXACT - NOT_PAGES, PUBLIC_EXACT - NOT_PAGES - listed
    for rating in session.scalars(select(CreditRating)):  # a line with the engine's own note
        rating.explanation = [
            *rating.explanation,
            {
                "rule": "disclosure.missing",
                "points": -5,
                "source": None,
                "note": "2025 年度报告未按期披露 / no 2025 report (due 2026-03-15)",
            },
        ]
    for ent in session.scalars(select(Enterprise)):
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    for penalty in session.scalars(select(Penalty)):
        record_change(session, "penalty", penalty.id, enterprise_id=penalty.enterprise_id)
    session.commit()
    with app.app_context():
        SearchIndexer(app.extensions["envcredit.search"]).catch_up()
    return paths


def _check(client, path: str, lang: str, status: int = 200, **kwargs) -> list[str]:
    sep = "&" if "?" in path else "?"
    response = client.open(f"{path}{sep}lang={lang}", headers={"Accept": "text/html"}, **kwargs)
    assert response.status_code == status, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    return language_problems(html, lang)


PAGE_NAMES = [
    "home",
    "search",
    "enterprise",
    "objection",
    "penalty",
    "repair",
    "penalties",
    "tipoff-new",
    "tipoff-track",
    "stats",
    "login",
    "rules",
    "help",
    "accessibility",
    "verify",
    "verify-form",
    "map",
    "nearby",
    "board",
    "board-new",
    "board-message",
    "hotspots",
    "stations",
    "station",
    "station-month",
    "outlet",
    "subscribe",
    "case",
    "enterprise-activate",
    "disclosures",
    "releases",
    "dictionary",
    "annual-report",
    "temporary-reports",
    "data",
    "report-error",
    "data-error",
]


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        pytest.param(
            name,
            lang,
            marks=pytest.mark.xfail(
                strict=False, reason="tip-off pages converted on branch wt-tipform"
            ),
        )
        if (name, lang) in PENDING_PAGES
        else (name, lang)
        for name in PAGE_NAMES
        for lang in ("zh-CN", "en")
    ],
)
def test_public_page_speaks_one_language(app, client, session, name, lang):
    paths = dict(_pages(app, session))
    assert set(paths) == set(PAGE_NAMES), "a page was added: add it to PAGE_NAMES"
    problems = _check(client, paths[name], lang)
    assert not problems, "\n".join(problems)
    if name == "search":  # the page has a hit to check, not only its form
        assert "/enterprises/" in client.get(f"{paths[name]}&lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_error_pages_speak_one_language(app, client, session, lang):
    paths = dict(_pages(app, session))
    uscc = paths["enterprise"].rsplit("/", 1)[1]
    problems = _check(client, "/enterprises/91130200699229617X", lang, 404)
    problems += _check(client, "/enterprises/1234", lang, 404)
    problems += _check(client, "/penalties/999999", lang, 404)
    problems += _check(client, "/no-such-page", lang, 404)
    objection = paths["objection"]
    token = csrf_token(client, objection)
    # a form error (too short) and a service error (a record of another enterprise)
    problems += _check(
        client,
        objection,
        lang,
        422,
        method="POST",
        data={"target": "rating:", "claim": "短", "contact": "", "csrf_token": token},
    )
    problems += _check(
        client,
        objection,
        lang,
        422,
        method="POST",
        data={
            "target": "penalty:999999",
            "claim": "该处罚决定书认定的事实有误。",
            "contact": "王五 13800000000",
            "csrf_token": token,
        },
    )
    repair = paths["repair"]
    problems += _check(
        client,
        repair,
        lang,
        422,
        method="POST",
        data={
            "reason": "已完成整改并通过验收。",
            "commitment": "今后严格遵守环保法规。",
            "contact": "王五 13800000000",
            "csrf_token": csrf_token(client, repair),
        },
    )
    assert uscc
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_case_page_speaks_one_language(app, client, session, lang):
    paths = dict(_pages(app, session))
    objection = paths["objection"]
    filed = client.post(
        objection,
        data={
            "target": "rating:",
            "claim": "评价所依据的处罚已被撤销。",
            "contact": "王五 13800000000",
            "csrf_token": csrf_token(client, objection),
        },
    )
    assert filed.status_code == 302, filed.get_data(as_text=True)[:3000]
    problems = _check(client, filed.headers["Location"], lang)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_regulator_error_pages_keep_the_regulator_navigation(app, client, session, lang):
    from tests.disclosure.conftest import login, make_regulator

    paths = dict(_pages(app, session))
    uscc = paths["enterprise"].rsplit("/", 1)[1]
    outsider = make_regulator(session, "ny@example.cn", region="411300")
    login(client, outsider.email)
    for path, status in (
        (f"/regulator/enterprises/{uscc}", 403),
        ("/regulator/enterprises/1234", 404),
    ):
        problems = _check(client, path, lang, status)
        assert not problems, "\n".join(problems)
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        assert 'class="regulator"' in html  # the regulator navigation stays
        assert 'href="/regulator/"' in html and 'id="error-q"' not in html  # back to their home
        if status == 403:
            message = "outside your region" if lang == "en" else "不在您的管辖区域"
            assert message in html and uscc in html


def test_chinese_data_is_marked_only_on_english_pages(app, client, session):
    paths = dict(_pages(app, session))
    name = "兰州凯达石油化工有限责任公司第二分公司"
    english = client.get(paths["enterprise"] + "?lang=en").get_data(as_text=True)
    chinese = client.get(paths["enterprise"] + "?lang=zh-CN").get_data(as_text=True)
    assert f'<h1><span lang="zh-CN">{name}</span></h1>' in english
    assert f"<h1>{name}</h1>" in chinese and '<span lang="zh-CN">' not in chinese
    # counts and amounts in English typography
    assert "Administrative penalties (1)" in english and "Inspections (0)" in english
    assert re.search(r"Fine: CNY [0-9,]+\.[0-9]{2}", english)
    assert "no 2025 report (due 2026-03-15)" in english and "2025 年度报告未按期披露" in chinese
    assert "2025 年度报告" not in english and "no 2025 report" not in chinese
    assert "行政处罚（1）" in chinese and re.search(r"罚款 [0-9,]+\.[0-9]{2} 元", chinese)
    # English text with Chinese terms: each Chinese run marked, the English left alone
    rules = client.get("/rules?lang=en").get_data(as_text=True)
    assert re.search(r'penalty of severity <span lang="zh-CN">[^<]+</span> \(grave\)', rules)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_regulator_pages_speak_one_language(app, client, session, lang):
    from tests.disclosure.conftest import login, make_regulator

    paths = dict(_pages(app, session))
    uscc = paths["enterprise"].rsplit("/", 1)[1]
    objection = paths["objection"]  # an open case for the regulator's list
    penalty_id = paths["penalty"].rsplit("/", 1)[1]
    filed = client.post(
        objection,
        data={
            "target": f"penalty:{penalty_id}",
            "claim": "该处罚决定书认定的事实有误。",
            "contact": "王五 13800000000",
            "csrf_token": csrf_token(client, objection),
        },
    )
    assert filed.status_code == 302
    admin = make_regulator(session, "admin@example.cn", region="620000", role="admin")
    street = create_grid(session, "ZY", name="张掖路街道")
    create_grid(session, "ZY-01", parent=street, name="金塔巷社区")
    session.commit()
    login(client, admin.email)
    from sqlalchemy import select

    from credit.data_errors.models import DataErrorReport

    data_error = session.scalars(select(DataErrorReport.id)).first()
    problems = []
    for path in (
        "/regulator/grids/",
        "/regulator/grids/ZY",
        "/regulator/",
        "/regulator/todo",
        "/regulator/deadlines",
        "/regulator/cases",
        "/regulator/patrols",
        "/regulator/patrols/new",
        f"/regulator/enterprises/{uscc}",
        "/regulator/plans",
        "/regulator/map",
        "/regulator/simulate?rulebook=jiangsu-12",
        "/regulator/admin/",
        "/regulator/place-mismatches",
        "/regulator/board/",
        "/regulator" + paths["board-message"],
        "/regulator/transfers/",
        "/regulator/data-errors/",
        f"/regulator/data-errors/{data_error}",
    ):
        problems += [f"{path}: {p}" for p in _check(client, path, lang)]
    assert not problems, "\n".join(problems)
    cases = client.get(f"/regulator/todo?lang={lang}").get_data(as_text=True)
    label = "Administrative penalty" if lang == "en" else "行政处罚"
    assert f"{label} {penalty_id}<br>" in cases  # the objection's target, not "penalty 1"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_stats_with_questionnaire_answers_speaks_one_language(
    app, client, session, regulator, lang
):
    """/stats with its satisfaction table filled (rates and 样本不足) and board figures."""
    from tests.disclosure.test_feedback_pages import _feedback, closed_report

    app.config["STATS_MIN_SAMPLE"] = 2
    for satisfaction in ("5", "4", "2"):
        code, secret = closed_report(app, client, session, regulator)
        assert _feedback(client, code, secret, resolved="yes", satisfaction=satisfaction)
    problems = _check(client, "/stats", lang)
    app.config["STATS_MIN_SAMPLE"] = 10
    problems += _check(client, "/stats", lang)
    assert not problems, "\n".join(problems)
