"""Every public page in real Chromium at 320, 390 and 1366 px, in zh-CN and English: nothing
scrolls sideways (WCAG 1.4.10 Reflow) and axe-core finds no violation of any impact.

Screenshots at 390 and 1366 px in both languages go to test-artifacts/pages/.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from tests.browser.chromium import ARTIFACTS
from tests.browser.phone import NEEDS_AXE, axe_violations
from tests.factories import create_enterprise, create_penalty, create_rating
from tests.language_check import PENDING_PAGES, language_problems
from tests.monitoring.devices import add_hours, create_outlet, create_station

pytestmark = NEEDS_AXE
WIDTHS = (320, 390, 1366)
LANGS = ("zh-CN", "en")


def _public_paths(session) -> list[tuple[str, str]]:
    ent = create_enterprise(
        session,
        name="兰州凯达石油化工有限责任公司第二分公司",
        permit_category="key",
        address="甘肃省兰州市城关区东岗西路街道东岗西路 1234 号院 5 号楼",
        latitude=Decimal("36.057"),
        longitude=Decimal("103.840"),
    )
    penalty = create_penalty(
        session,
        ent,
        decision_date=dt.date.today() - dt.timedelta(days=40),
        facts="该公司于 2026 年 9 月 12 日在未取得排污许可证的情况下，通过暗管向厂区东侧排水渠"
        "排放生产废水，经监测化学需氧量浓度为 386mg/L，超过《污水综合排放标准》三级标准。",
    )
    rating = create_rating(session, ent, "yellow", 70)
    rating.explanation = [
        {
            "rule": "penalty.grave",
            "points": -30,
            "source": {"type": "penalty", "id": penalty.id},
            "note": None,
        }
    ]
    session.commit()
    from core.clock import today as china_today
    from credit.records.reports import issue_report

    report = issue_report(session, ent.uscc, china_today())
    message = _answered_message(session)
    session.commit()
    repair = _synced_repair(session, ent)
    from credit.monitoring.hotspot_cases import rank_hotspots
    from tests.monitoring.hotspot_city import DAY, build_city

    build_city(session)
    rank_hotspots(session, "620100", None, DAY, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    day = dt.date(2026, 10, 8)
    create_outlet(session, ent, "OUT001", {"a21026": 50.0, "a21002": 100.0})
    add_hours(session, "OUT001", "a21026", day, [30.0] * 9 + [61.5, (77.0, "D")] + [30.0] * 13)
    add_hours(session, "OUT001", "a21002", day, [80.0] * 24)
    create_station(session, "ST0001", name="城关区东岗西路微型站")
    add_hours(
        session, "ST0001", "a34004", day, [(40.0 + h, "N" if h != 3 else "B") for h in range(24)]
    )
    add_hours(session, "ST0001", "a34002", day, [80.0 + h for h in range(24)])
    from credit.obligations.models import DisclosureObligation
    from credit.temporary_reports.models import TemporaryReport

    session.add(DisclosureObligation(enterprise_id=ent.id, year=2025))
    from tests.credit.test_annual_reports import submitted_report

    submitted_report(session, ent, 2025)
    session.add(
        TemporaryReport(
            enterprise_id=ent.id,
            penalty_id=penalty.id,
            content="本公司因超标排放受到行政处罚，已完成整改，现依法披露临时环境信息。",
            url="https://example.cn/temporary-report.pdf",
            filed_on=penalty.decision_date + dt.timedelta(days=3),
        )
    )
    from credit.data_errors.reporting import report_data_error

    data_error = report_data_error(
        session,
        "penalty",
        str(penalty.id),
        description="罚款金额有误",
        contact=None,
        today=china_today(),
    )
    session.commit()
    return [
        ("home", "/"),
        ("search", "/?q=兰州"),
        ("enterprise", f"/enterprises/{ent.uscc}"),
        ("objection", f"/enterprises/{ent.uscc}/objection"),
        ("penalty", f"/penalties/{penalty.id}"),
        ("repair", f"/penalties/{penalty.id}/repair"),
        ("penalties", "/penalties"),
        ("tipoff-new", "/tipoffs/new"),
        ("tipoff-track", "/tipoffs/track"),
        ("stats", "/stats"),
        ("login", "/regulator/login"),
        ("rules", "/rules"),
        ("help", "/help"),
        ("accessibility", "/accessibility"),
        ("verify", f"/verify/{report.code}?hash={report.verification.content_sha256}"),
        ("verify-form", "/verify"),
        ("map", "/map?region=620100"),
        ("nearby", "/nearby?lat=36.06&long=103.83&radius_km=5"),
        ("board", "/board"),
        ("board-new", "/board/new"),
        ("board-message", f"/board/{message.id}"),
        ("hotspots", f"/monitoring/hotspots?city=620100&month=2026-11&day={DAY}"),
        ("stations", "/monitoring/stations"),
        ("station", f"/monitoring/stations/ST0001?date={day}"),
        ("station-month", "/monitoring/stations/ST0001?month=2026-10"),
        ("outlet", f"/monitoring/outlets/OUT001?date={day}"),
        ("subscribe", f"/subscribe?enterprise={ent.uscc}"),
        ("case", f"/cases/{repair}"),
        ("enterprise-activate", "/enterprise/activate"),
        ("disclosures", "/disclosures?year=2025&region=620100"),
        ("releases", "/data/releases/"),
        ("dictionary", "/data/dictionary"),
        ("annual-report", f"/disclosures/{ent.uscc}/2025"),
        ("temporary-reports", f"/enterprises/{ent.uscc}/temporary-reports"),
        ("data", "/data"),
        ("report-error", f"/report-error/penalty/{penalty.id}"),
        ("data-error", f"/data-errors/{data_error.reference}"),
    ]


def _synced_repair(session, ent) -> str:
    """An approved repair of another penalty whose change one partner has acknowledged (the
    case page with its sync line and receipt list); returns its reference."""
    from core.changelog import last_seq, record_change
    from core.users import ApiClient
    from credit.cases.models import RepairApplication
    from credit.partners.receipts import acknowledge

    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=120))
    application = RepairApplication(
        reference="XF-PAGES00001",
        penalty_id=penalty.id,
        reason="已完成整改，废水经处理后达标排放，并安装在线监控设备。",
        commitment="本公司承诺依法依规经营。",
        contact="环保部 0931-8888888",
        status="approved",
        due_at=dt.date.today(),
        decided_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
        decision_note="整改到位，准予修复。",
    )
    session.add(application)
    penalty.repaired_at = dt.date.today()
    record_change(session, "penalty", penalty.id, enterprise_id=ent.id)
    partner = ApiClient(name="信用甘肃", key_prefix="ec_pages", key_hash="pages-test-only")
    session.add(partner)  # no usable key: the page needs only the partner's receipt
    session.commit()
    acknowledge(session, partner.id, last_seq(session))
    session.commit()
    return application.reference


def _answered_message(session):
    """A published board message with its answer (the board's pages have one to show)."""
    from credit.board.models import BoardMessage

    message = BoardMessage(
        region_code="620100",
        category="question",
        title="黄河兰州段水质监测数据在哪里查询",
        body="想了解黄河兰州段的水质监测数据，请问在哪里可以查询到每月的数据？",
        display_name="城关居民",
        status="published",
        answer_due_on=dt.date.today(),
        answer="每月水质数据在本平台“公开统计”栏目和市生态环境局网站发布，欢迎查阅。",
        answer_office="水生态环境科",
        answered_at=dt.datetime.now(dt.UTC),
    )
    session.add(message)
    session.flush()
    return message


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages_reflow_and_pass_axe(app, session, server, browser, lang):
    paths = _public_paths(session)
    out = ARTIFACTS / "pages"
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in WIDTHS:
        # axe's script is injected into the page: the test's context bypasses the site's CSP
        context = browser.new_context(
            viewport={"width": width, "height": 844 if width < 1000 else 900},
            locale=lang,
            bypass_csp=True,
        )
        page = context.new_page()
        for name, path in paths:
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{server}{path}{sep}lang={lang}")
            assert response is not None and response.status == 200, (path, response)
            overflow = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if overflow[0] > overflow[1]:
                problems.append(f"{name} at {width}px ({lang}) scrolls sideways: {overflow}")
            for violation in axe_violations(page):
                problems.append(f"{name} at {width}px ({lang}): axe {json.dumps(violation)}")
            if width == 1366 and (name, lang) not in PENDING_PAGES:  # one language per page
                for leak in language_problems(page.content(), lang):
                    problems.append(f"{name} ({lang}): {leak}")
            if width != 320:
                page.screenshot(path=str(out / f"{name}-{width}-{lang}.png"), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)
