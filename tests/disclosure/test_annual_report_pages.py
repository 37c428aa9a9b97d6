"""The annual report pages: an enterprise's user saves a draft and submits from a plain form;
a refusal names the missing part; the submitted report is public (HTML and PDF) and linked
from the obliged list; nobody else reaches another enterprise's report or the form."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.clock import today as china_today
from credit.annual_reports.models import AnnualReport
from credit.obligations.models import DisclosureObligation
from credit.records.models import Permit, PermitLimit
from tests.credit.test_annual_reports import complete_form
from tests.disclosure.conftest import csrf_token, login, make_regulator, sign_in_member
from tests.factories import create_enterprise

YEAR = china_today().year - 1


@pytest.fixture
def firm(client, session):
    """An enterprise on the obliged list of last year, its filer logged in."""
    ent = create_enterprise(session, name="兰州年报页面测试有限公司")
    session.add(DisclosureObligation(enterprise_id=ent.id, year=YEAR))
    sign_in_member(client, session, ent, email=f"filer{ent.id}@example.cn")
    return ent


def _post(client, form, action, year=YEAR):
    path = f"/enterprise/annual-reports/{year}"
    token = csrf_token(client, path)
    return client.post(path, data={**form, "action": action, "csrf_token": token})


def _logout(client):
    token = csrf_token(client, "/enterprise/")
    client.post("/regulator/logout", data={"csrf_token": token})


def test_list_offers_the_obliged_year(client, firm):
    page = client.get("/enterprise/annual-reports/").get_data(as_text=True)
    assert f'href="/enterprise/annual-reports/{YEAR}"' in page and "未开始" in page
    token = csrf_token(client, "/enterprise/annual-reports/")
    started = client.post("/enterprise/annual-reports/", data={"year": "2024", "csrf_token": token})
    assert started.status_code == 303 and started.location.endswith(
        "/enterprise/annual-reports/2024"
    )


def test_draft_is_saved_and_shown_again(client, session, firm):
    form = client.get(f"/enterprise/annual-reports/{YEAR}").get_data(as_text=True)
    assert "保存草稿" in form and "碳排放信息" in form and firm.name in form
    saved = _post(client, complete_form(**{"other.text": "厂区绿化"}), "save")
    assert saved.status_code == 303
    again = client.get(f"/enterprise/annual-reports/{YEAR}").get_data(as_text=True)
    assert "草稿已保存" in again and "厂区绿化" in again and 'value="9.5"' in again
    report = session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm.id))
    assert report.status == "draft"


def test_submit_without_a_required_part_names_it(client, session, firm):
    refused = _post(client, complete_form(**{"temporary.summary": None}), "submit")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "以下必填部分未填写完整，未提交：临时环境信息依法披露情况" in page
    assert 'id="part-temporary" aria-invalid="true"' in page
    assert "脱硫设施正常运行。" in page  # the answers are kept in the form
    assert session.scalar(select(AnnualReport.id)) is None
    english = _post(client, complete_form(**{"temporary.summary": None}), "submit").get_data(
        as_text=True
    )
    assert english  # the zh page; the English message comes with ?lang=en below
    path = f"/enterprise/annual-reports/{YEAR}?lang=en"
    token = csrf_token(client, path)
    data = {**complete_form(**{"temporary.summary": None}), "action": "submit"}
    en = client.post(path, data={**data, "csrf_token": token}).get_data(as_text=True)
    assert "Temporary disclosures of the year" in en


def test_submitted_report_is_public_with_its_pdf_and_linked_from_the_list(client, session, firm):
    submitted = _post(client, complete_form(), "submit")
    assert submitted.status_code == 303
    mine = client.get(f"/enterprise/annual-reports/{YEAR}").get_data(as_text=True)
    assert "不能再修改" in mine and "保存草稿" not in mine
    again = _post(client, complete_form(so2="1"), "save")
    assert again.status_code == 409
    assert "年度报告已于" in again.get_data(as_text=True) and 'role="alert"' in again.get_data(
        as_text=True
    )
    _logout(client)

    public = client.get(f"/disclosures/{firm.uscc}/{YEAR}")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert firm.name in html and "生态环境应急信息" in html and "9.5" in html
    assert f"提交日期：{china_today().isoformat()}" in html
    for path in (
        f"/disclosures/{firm.uscc}/{YEAR}.pdf",
        f"/disclosures/{firm.uscc}/{YEAR}?format=pdf",
    ):
        pdf = client.get(path)
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF")
    listing = client.get(f"/disclosures?year={YEAR}").get_data(as_text=True)
    assert re.search(rf'<a href="http://[^"]+/disclosures/{firm.uscc}/{YEAR}"', listing)


def test_nobody_else_reaches_another_enterprises_report(client, session, firm):
    _post(client, complete_form(**{"other.text": "甲企业草稿"}), "save")
    _logout(client)
    # the public sees no draft
    assert client.get(f"/disclosures/{firm.uscc}/{YEAR}").status_code == 404
    assert client.get(f"/disclosures/{firm.uscc}/{YEAR}.pdf").status_code == 404
    # another enterprise's user: its own (empty) report, never the first one's
    other = create_enterprise(session, name="乙企业")
    sign_in_member(client, session, other, email="other@example.cn")
    form = client.get(f"/enterprise/annual-reports/{YEAR}").get_data(as_text=True)
    assert "甲企业草稿" not in form and "乙企业" in form
    assert _post(client, complete_form(), "submit").status_code == 303
    assert "甲企业草稿" not in client.get(f"/disclosures/{other.uscc}/{YEAR}").get_data(
        as_text=True
    )
    first = session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm.id))
    session.refresh(first)
    assert first.status == "draft" and first.payload["other"]["text"] == "甲企业草稿"
    session.commit()
    assert client.get(f"/disclosures/{firm.uscc}/{YEAR}").status_code == 404
    # an enterprise's user is not a regulator
    listed = client.get("/regulator/annual-reports/")
    assert listed.status_code in (302, 403, 404) and "年度报告审核" not in listed.get_data(
        as_text=True
    )
    _logout(client)
    # a regulator has no enterprise form; the anonymous are sent to log in
    regulator = make_regulator(session, "lz-annual@example.cn")
    for path in ("/enterprise/annual-reports/", f"/enterprise/annual-reports/{YEAR}"):
        assert client.get(path).status_code == 302
        assert client.post(path, data={"action": "save"}).status_code in (302, 400)
    login(client, regulator.email)
    assert client.get(f"/enterprise/annual-reports/{YEAR}").status_code in (302, 403)
    page = client.get("/regulator/annual-reports/").get_data(as_text=True)
    assert "乙企业" in page and firm.name not in page


def test_regulator_sees_the_flags(client, session, firm):
    permit = Permit(
        enterprise_id=firm.id,
        permit_no="91620100MA0000000001P0",
        category="key",
        valid_from=dt.date(YEAR - 1, 1, 1),
        valid_until=dt.date(YEAR + 3, 12, 31),
        status="valid",
    )
    permit.limits = [PermitLimit(pollutant="SO2", annual_limit_tonnes=Decimal("10"))]
    session.add(permit)
    session.commit()
    assert _post(client, complete_form(so2="500"), "submit").status_code == 303
    _logout(client)
    regulator = make_regulator(session, "lz-annual2@example.cn")
    login(client, regulator.email)
    page = client.get("/regulator/annual-reports/").get_data(as_text=True)
    assert firm.name in page and "需核实" in page and "超过许可排放量" in page
    assert "（报告 500 吨，参照 10.0000 吨）" in page
    quiet = client.get(f"/regulator/annual-reports/?year={YEAR - 1}").get_data(as_text=True)
    assert firm.name not in quiet


def test_enterprise_and_regulator_pages_speak_one_language(client, session, firm):
    from tests.language_check import language_problems

    _post(client, complete_form(**{"other.text": "厂区绿化"}), "save")
    for path in ("/enterprise/annual-reports/", f"/enterprise/annual-reports/{YEAR}"):
        for lang in ("zh-CN", "en"):
            html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            assert not language_problems(html, lang), (path, lang)
    _post(client, complete_form(), "submit")
    _logout(client)
    regulator = make_regulator(session, "lz-annual3@example.cn")
    login(client, regulator.email)
    for lang in ("zh-CN", "en"):
        html = client.get(f"/regulator/annual-reports/?lang={lang}").get_data(as_text=True)
        assert firm.name in html
        assert not language_problems(html, lang), lang
