"""An enterprise's filer files the annual disclosure report in real Chromium on a 390 px phone
with JavaScript off: logs in, opens last year's form, saves a draft, is refused a submission
that lacks a required part (named on the page), completes it and submits; the public then
reads the submitted report and its PDF. axe-core checks the form and the public page (in a
context with scripts on: axe is a script)."""

from __future__ import annotations

from sqlalchemy import select

from core.clock import today as china_today
from credit.annual_reports.models import AnnualReport
from credit.obligations.models import DisclosureObligation
from tests.browser.phone import NEEDS_AXE, PHONE, axe, fits, sign_in, submit
from tests.factories import create_enterprise, create_enterprise_user

pytestmark = NEEDS_AXE
EMAIL = "filer@example.cn"
YEAR = china_today().year - 1
NAME = "兰州年报浏览器测试化工有限公司"


def _fill_required(page, skip: str = "") -> None:
    answers = {
        "#f-basic-business": "生产精细化工产品，年产 2 万吨。",
        "#f-management-permit_implementation": "按证排污，按时提交执行报告。",
        "#em-0-p": "SO2",
        "#em-0-t": "8.25",
        "#f-pollution-treatment": "脱硫设施正常运行。",
        "#f-emergency-plan": "应急预案已于 2025 年备案。",
        "#f-violations-rectification": "无",
        "#f-temporary-summary": "无",
    }
    for selector, text in answers.items():
        page.fill(selector, "" if selector == skip else text)


def _signed_in(session, server, browser, role: str, obliged: bool, **context_options):
    """The enterprise NAME (on last year's obliged list if ``obliged``) and a phone-sized
    browser page of its user (``role``), signed in."""
    ent = create_enterprise(session, name=NAME)
    if obliged:
        session.add(DisclosureObligation(enterprise_id=ent.id, year=YEAR))
    create_enterprise_user(session, ent, role=role, email=EMAIL)
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="zh-CN", **context_options)
    page = context.new_page()
    sign_in(page, server, EMAIL)
    return ent, context, page


def test_a_filer_files_the_annual_report_from_a_phone_without_javascript(session, server, browser):
    ent, context, page = _signed_in(
        session, server, browser, "enterprise_filer", obliged=True, java_script_enabled=False
    )
    page.goto(f"{server}/enterprise/annual-reports/")
    fits(page)
    submit(page, f"a[href='/enterprise/annual-reports/{YEAR}']")
    assert page.input_value("#f-basic-name") == NAME  # prefilled from the register
    fits(page)

    _fill_required(page, skip="#f-emergency-plan")
    page.fill("#f-other-text", "厂区周边设有环境质量公示牌。")
    submit(page, "button[value=save]")
    assert "草稿已保存" in page.content()
    assert page.input_value("#f-other-text") == "厂区周边设有环境质量公示牌。"
    session.rollback()
    assert session.scalar(select(AnnualReport.status)) == "draft"

    submit(page, "button[value=submit]")
    assert "以下必填部分未填写完整，未提交：生态环境应急信息" in page.inner_text("[role=alert]")
    fits(page)
    session.rollback()
    assert session.scalar(select(AnnualReport.status)) == "draft"

    page.fill("#f-emergency-plan", "应急预案已于 2025 年备案。")
    submit(page, "button[value=submit]")
    assert "年度报告已提交并公开" in page.content() and "不能再修改" in page.content()
    session.rollback()
    assert session.scalar(select(AnnualReport.status)) == "submitted"
    context.close()

    public = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = public.new_page()
    page.goto(f"{server}/disclosures?year={YEAR}")
    submit(page, f"a[href$='/disclosures/{ent.uscc}/{YEAR}']")
    text = page.inner_text("main")
    assert NAME in text and "8.25" in text and "应急预案已于 2025 年备案。" in text
    assert f"提交日期：{china_today().isoformat()}" in text
    fits(page)
    pdf = page.request.get(f"{server}/disclosures/{ent.uscc}/{YEAR}.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    public.close()

    checked = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    page = checked.new_page()
    page.goto(f"{server}/disclosures/{ent.uscc}/{YEAR}")
    axe(page)
    checked.close()


def test_the_report_form_passes_axe(session, server, browser):
    _ent, context, page = _signed_in(
        session, server, browser, "enterprise_manager", obliged=False, bypass_csp=True
    )
    page.goto(f"{server}/enterprise/annual-reports/{YEAR}")
    axe(page)
    page.goto(f"{server}/enterprise/annual-reports/")
    axe(page)
    context.close()
