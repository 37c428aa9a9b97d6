"""The PDF credit report (企业环境信用报告) and /verify/{code}, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from credit.records.models import ReportVerification
from credit.records.reports import content_hash, normalise_code
from tests.factories import create_enterprise, create_penalty, create_rating

NAME = "兰州绿源化工测试有限公司"


def _setup(session):
    ent = create_enterprise(session, name=NAME, uscc="91350100M000100Y43")
    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=90))
    rating = create_rating(session, ent, "yellow", 70)
    rating.explanation = [
        {
            "rule": "penalty.general",
            "points": -30,
            "source": {"type": "penalty", "id": penalty.id},
            "note": None,
        }
    ]
    session.commit()
    return ent, penalty


def _pdf_text(body: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils, `make browser-deps`) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def _code(text: str) -> str:
    match = re.search(r"([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", text)
    assert match, text
    return match.group(1)


def _hash(text: str) -> str:
    match = re.search(r"(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])", text)
    assert match, text
    return match.group(1)


def test_pdf_states_the_chinese_name_level_records_and_a_verification_code(
    client, session, tmp_path
):
    ent, penalty = _setup(session)
    response = client.get(f"/enterprises/{ent.uscc}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = _pdf_text(response.data, tmp_path)
    assert "企业环境信用报告" in text
    assert NAME in text and ent.uscc in text
    assert "环保警示企业" in text
    assert penalty.decision_no in text
    assert "cn-default@2026.1" in text  # the stored rating's version (create_rating)
    code = _code(text)
    row = session.scalar(select(ReportVerification))
    assert row is not None and normalise_code(code) == row.code
    assert row.level == "yellow" and row.score == 70 and row.enterprise_name == NAME
    assert f"/verify/{code}" in text
    assert _hash(text) == row.content_sha256


def test_english_report_has_the_english_level_name(client, session, tmp_path):
    ent, _ = _setup(session)
    text = _pdf_text(client.get(f"/enterprises/{ent.uscc}/report.pdf?lang=en").data, tmp_path)
    assert "Environmental warning" in text and NAME in text
    assert "环保警示企业" not in text


def test_same_content_same_day_keeps_its_code_a_change_gets_a_new_one(client, session):
    ent, _ = _setup(session)
    client.get(f"/enterprises/{ent.uscc}/report.pdf")
    client.get(f"/enterprises/{ent.uscc}/report.pdf?lang=en")
    count = select(func.count()).select_from(ReportVerification)
    assert session.scalar(count) == 1
    create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=10))
    session.commit()
    client.get(f"/enterprises/{ent.uscc}/report.pdf")
    session.expire_all()
    rows = list(session.scalars(select(ReportVerification)))
    assert len(rows) == 2 and rows[0].code != rows[1].code
    assert rows[0].content_sha256 != rows[1].content_sha256


def test_verify_accepts_the_real_hash_and_refuses_an_altered_one(client, session):
    ent, _ = _setup(session)
    client.get(f"/enterprises/{ent.uscc}/report.pdf")
    row = session.scalar(select(ReportVerification))
    code = "-".join(row.code[i : i + 4] for i in range(0, 16, 4))
    page = client.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "验证码有效" in html and NAME in html and "环保警示企业" in html
    assert row.content_sha256 in html and str(row.generated_on) in html
    good = client.get(f"/verify/{code}?hash={row.content_sha256.upper()}").get_data(as_text=True)
    assert "摘要一致" in good and "摘要不一致" not in good
    altered = row.content_sha256[:-1] + ("0" if row.content_sha256[-1] != "0" else "1")
    bad = client.get(f"/verify/{code}?hash={altered}").get_data(as_text=True)
    assert "摘要不一致" in bad and "摘要一致：" not in bad
    # typed in lower case, without dashes, with O for 0: still the same report
    loose = row.code.lower().replace("0", "o")
    assert client.get(f"/verify/{loose}").status_code == 200
    english = client.get(f"/verify/{code}?lang=en&hash={altered}").get_data(as_text=True)
    assert "Environmental warning" in english and "环保警示企业" not in english


def test_verify_form_redirects_a_typed_code(client, session):
    ent, _ = _setup(session)
    client.get(f"/enterprises/{ent.uscc}/report.pdf")
    row = session.scalar(select(ReportVerification))
    assert client.get("/verify").status_code == 200
    response = client.get(f"/verify?code={row.code.lower()}")
    assert response.status_code == 303 and response.location.endswith(f"/verify/{row.code}")


def test_unknown_code_is_404_with_a_clear_message(client, session):
    _setup(session)
    for path in ("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ", "/verify/not-a-code", "/verify?code=123"):
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 404, path
        assert "没有这个验证码" in page.get_data(as_text=True)


def test_the_hash_is_of_what_the_report_states(app, session):
    from credit.records.credit_file import credit_file
    from credit.records.reports import report_facts

    ent, _ = _setup(session)
    day = dt.date(2026, 12, 2)
    first = report_facts(credit_file(session, ent, day), day)
    again = report_facts(credit_file(session, ent, day), day)
    assert content_hash(first) == content_hash(again)
    first["rating"]["score"] = 95
    assert content_hash(first) != content_hash(again)


def test_unknown_enterprise_report_is_404(client, session):
    _setup(session)
    assert client.get("/enterprises/91130200699229617X/report.pdf").status_code == 404
