"""Latest penalty notices: a page and an Atom feed that feed readers accept."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as ET

from tests.factories import create_enterprise, create_penalty

ATOM = "{http://www.w3.org/2005/Atom}"


def test_notices_page_and_atom_feed_list_only_published_penalties(client, session):
    ent = create_enterprise(session, name="沧州<测试>纸业有限公司")
    today = dt.date.today()
    live = create_penalty(session, ent, decision_date=today - dt.timedelta(days=5))
    create_penalty(session, ent, decision_date=today - dt.timedelta(days=5),
                   repaired_at=today - dt.timedelta(days=1), decision_no="已修复〔2026〕1号")
    session.commit()
    page = client.get("/penalties").get_data(as_text=True)
    assert live.decision_no in page and "已修复" not in page
    feed = client.get("/feeds/penalties.atom")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/penalties/{live.id}")
    assert "沧州<测试>纸业有限公司" in entries[0].find(f"{ATOM}title").text
    assert root.find(f"{ATOM}id") is not None and root.find(f"{ATOM}updated") is not None
    assert client.get("/penalties?before=-1").status_code == 200
