"""/disclosures: the obliged-to-disclose list with each status, its pages and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from core.clock import today as china_today
from credit.obligations.models import DisclosureObligation
from credit.records.models import DisclosureReport
from tests.factories import create_enterprise, ensure_reference


def _world(session):
    """Last year's list in 620100 and 620102: one on time, one late, one missing; this
    year's list (not yet due) for one more."""
    year = china_today().year - 1
    ensure_reference(session, "620102")
    on_time = create_enterprise(session, name="兰州按时化工有限公司")
    late = create_enterprise(session, name="兰州逾期纸业有限公司")
    missing = create_enterprise(session, name="西固未报冶炼有限公司", region_code="620102")
    later = create_enterprise(session, name="兰州明年电力有限公司")
    for ent in (on_time, late, missing):
        session.add(DisclosureObligation(enterprise_id=ent.id, year=year))
    session.add(DisclosureObligation(enterprise_id=later.id, year=year + 1))
    session.add_all(
        [
            DisclosureReport(
                enterprise_id=on_time.id,
                year=year,
                submitted_at=dt.date(year + 1, 3, 1),
                url_or_text="https://e.example.cn/2025.pdf",
            ),
            DisclosureReport(
                enterprise_id=late.id, year=year, submitted_at=dt.date(year + 1, 3, 16)
            ),
        ]
    )
    session.commit()
    return year, on_time, late, missing, later


def test_page_shows_counts_statuses_and_links(client, session):
    year, on_time, late, missing, _later = _world(session)
    response = client.get(f"/disclosures?year={year}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"{year} 年度环境信息依法披露名单" in html
    for ent in (on_time, late, missing):
        assert ent.uscc in html and f"/enterprises/{ent.uscc}#disclosures" in html
    assert html.count("ob-status-on_time") == 2  # the count and the row
    assert html.count("ob-status-late") == 2 and html.count("ob-status-missing") == 2
    assert 'href="https://e.example.cn/2025.pdf"' in html
    assert "<form" in html and 'name="year"' in html and 'name="region"' in html
    assert f"/disclosures.csv?year={year}" in html
    english = client.get(f"/disclosures?year={year}&lang=en").get_data(as_text=True)
    assert "Filed late" in english and "Not filed" in english and "逾期披露" not in english


def test_region_filter_default_year_and_not_yet_due(client, session):
    year, on_time, _late, missing, later = _world(session)
    html = client.get(f"/disclosures?year={year}&region=620102").get_data(as_text=True)
    assert missing.uscc in html and on_time.uscc not in html
    newest = client.get("/disclosures").get_data(as_text=True)
    assert later.uscc in newest and on_time.uscc not in newest  # the latest listed year
    table = newest.split("<table")[1]
    assert "ob-status-not_yet_due" in table and "ob-status-missing" not in table


def test_bad_parameters_are_clear_400s(client, session):
    _world(session)
    for query, word in (
        ("year=abc", "year"),
        ("year=1800", "year"),
        ("region=999999", "region"),
        ("page=9", "page"),
        ("page=-1", "page"),
    ):
        response = client.get(f"/disclosures?{query}")
        assert response.status_code == 400, query
        assert word in response.get_data(as_text=True), query


def test_pages_are_numbered(client, session):
    year = china_today().year - 1
    for _ in range(52):
        ent = create_enterprise(session)
        session.add(DisclosureObligation(enterprise_id=ent.id, year=year))
    session.commit()
    first = client.get(f"/disclosures?year={year}").get_data(as_text=True)
    assert "共 52 家" in first and first.count("<tr>") == 51  # header + 50 rows
    assert f"/disclosures?year={year}&amp;page=2" in first
    second = client.get(f"/disclosures?year={year}&page=2").get_data(as_text=True)
    assert second.count("<tr>") == 3


def test_csv_holds_every_row_with_its_status(client, session):
    year, on_time, late, missing, _later = _world(session)
    response = client.get(f"/disclosures.csv?year={year}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"disclosures-{year}.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    status = {r["uscc"]: r["status"] for r in rows}
    assert status == {on_time.uscc: "on_time", late.uscc: "late", missing.uscc: "missing"}
    assert {r["due"] for r in rows} == {f"{year + 1}-03-15"}
    region = client.get(f"/disclosures.csv?year={year}&region=620102").get_data()
    assert missing.uscc.encode() in region and on_time.uscc.encode() not in region


def test_enterprise_page_links_to_the_list(client, session):
    _year, on_time, *_ = _world(session)
    html = client.get(f"/enterprises/{on_time.uscc}").get_data(as_text=True)
    assert "/disclosures?region=620100" in html
