"""CSV downloads of the page lists, the per-enterprise and per-region Atom feeds, print
details (issue 15 item 8), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io

import defusedxml.ElementTree as ET

from tests.disclosure.atom_validator import assert_valid_atom
from tests.factories import create_enterprise, create_penalty, create_rating

ATOM = "{http://www.w3.org/2005/Atom}"


def _rows(response) -> list[dict[str, str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "UTF-8 with a BOM, so that Excel reads Chinese"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _world(session):
    today = dt.date.today()
    lz = create_enterprise(session, name="兰州甲化工有限公司", region_code="620102")
    tj = create_enterprise(session, name="天津乙纸业有限公司", region_code="120101")
    create_rating(session, lz, "yellow", 70)
    create_rating(session, tj, "green", 98)
    p1 = create_penalty(session, lz, decision_date=today - dt.timedelta(days=20))
    p2 = create_penalty(session, tj, decision_date=today - dt.timedelta(days=10))
    hidden = create_penalty(
        session, tj, decision_date=today - dt.timedelta(days=9), revoked_at=today
    )
    session.commit()
    return lz, tj, p1, p2, hidden


def test_penalties_csv_lists_the_published_notices_newest_first(client, session):
    _lz, _tj, p1, p2, hidden = _world(session)
    response = client.get("/penalties.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert [r["decision_no"] for r in rows] == [p2.decision_no, p1.decision_no]
    assert hidden.decision_no not in response.get_data(as_text=True)
    assert rows[1]["enterprise_name"] == "兰州甲化工有限公司"
    assert 'href="/penalties.csv"' in client.get("/penalties").get_data(as_text=True)


def test_enterprises_csv_has_the_pages_filters(client, session):
    lz, tj, *_ = _world(session)
    everyone = {r["uscc"] for r in _rows(client.get("/enterprises.csv"))}
    assert {lz.uscc, tj.uscc} <= everyone
    assert [r["uscc"] for r in _rows(client.get("/enterprises.csv?region=620100"))] == [lz.uscc]
    green = _rows(client.get("/enterprises.csv?level=green"))
    assert [(r["uscc"], r["level"], r["score"]) for r in green] == [(tj.uscc, "green", "98")]
    assert [r["name"] for r in _rows(client.get("/enterprises.csv?q=纸业"))] == [
        "天津乙纸业有限公司"
    ]
    assert 'href="/enterprises.csv"' in client.get("/").get_data(as_text=True)
    search = client.get("/?q=%E5%85%B0%E5%B7%9E&region=620100").get_data(as_text=True)
    assert "/enterprises.csv?" in search and "region=620100" in search


def test_enterprise_and_region_feeds_hold_only_their_notices(client, session):
    lz, _tj, p1, p2, _hidden = _world(session)
    mine = client.get(f"/feeds/enterprises/{lz.uscc}.atom")
    assert mine.status_code == 200 and mine.mimetype == "application/atom+xml"
    assert_valid_atom(mine.data)
    links = [
        e.find(f"{ATOM}link").get("href") for e in ET.fromstring(mine.data).iter(f"{ATOM}entry")
    ]
    assert links == [f"http://localhost/penalties/{p1.id}"]
    region = client.get("/feeds/regions/120000.atom")  # the province holds its districts
    assert_valid_atom(region.data)
    titles = [e.findtext(f"{ATOM}title") for e in ET.fromstring(region.data).iter(f"{ATOM}entry")]
    assert len(titles) == 1 and p2.decision_no in titles[0]
    assert client.get("/feeds/regions/999999.atom").status_code == 404
    assert client.get("/feeds/enterprises/91130200699229617X.atom").status_code == 404


def test_enterprise_page_links_its_feeds_report_and_prints_its_origin(client, session):
    lz, *_ = _world(session)
    html = client.get(f"/enterprises/{lz.uscc}").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="兰州甲化工有限公司 的行政处罚公示" '
        f'href="/feeds/enterprises/{lz.uscc}.atom">' in html
    )
    assert f'href="/feeds/regions/{lz.region_code}.atom"' in html
    assert f'href="/enterprises/{lz.uscc}/report.pdf"' in html and "下载信用报告 (PDF)" in html
    assert 'class="print-only"' in html and dt.date.today().isoformat()[:4] in html
    english = client.get(f"/enterprises/{lz.uscc}?lang=en").get_data(as_text=True)
    assert "Download the credit report (PDF)" in english and "下载信用报告" not in english
