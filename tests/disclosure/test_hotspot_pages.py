"""/monitoring/hotspots: the form, a city's map and ranking table, the uncomputed and bad
inputs (no JavaScript needed: a GET form and links)."""

from __future__ import annotations

import datetime as dt

from credit.monitoring.hotspot_cases import rank_hotspots
from tests.monitoring.hotspot_city import DAY, build_city

LATER = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _ranked(session):
    build_city(session)
    rank_hotspots(session, "620100", None, DAY, now=LATER)
    session.commit()


def test_map_and_ranking_table(client, session):
    _ranked(session)
    response = client.get(f"/monitoring/hotspots?city=620100&month=2026-11&day={DAY}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "hs-cell hs-hot" in html
    assert html.count('class="hs-cell hs-hot"') == 1 and html.count('class="hs-cell"') == 3
    assert "测试网格HS-A" in html and "70.0 µg/m³" in html and "46.7 µg/m³" in html
    assert "56.0" in html  # the threshold
    assert '<tr class="hotspot">' in html and "<script" not in html


def test_newest_stored_period_without_month(client, session):
    _ranked(session)
    html = client.get("/monitoring/hotspots?city=620100").get_data(as_text=True)
    assert "70.0 µg/m³" in html and 'aria-current="page">2026-11-05' in html


def test_english_page(client, session):
    _ranked(session)
    html = client.get(f"/monitoring/hotspots?city=620100&month=2026-11&day={DAY}&lang=en")
    text = html.get_data(as_text=True)
    assert "Hotspot" in text and '<span lang="zh-CN">' in text


def test_form_alone_and_not_computed(client, session):
    assert client.get("/monitoring/hotspots").status_code == 200
    html = client.get("/monitoring/hotspots?city=620100&month=2026-10").get_data(as_text=True)
    assert "尚未发布" in html
    assert "尚未发布" in client.get("/monitoring/hotspots?city=620100").get_data(as_text=True)


def test_bad_input_is_a_clear_error_not_a_500(client):
    assert client.get("/monitoring/hotspots?city=999999&month=2026-11").status_code == 404
    assert client.get("/monitoring/hotspots?city=abc").status_code == 404
    bad = client.get("/monitoring/hotspots?city=620100&month=2026-13")
    assert bad.status_code == 400 and "YYYY-MM" in bad.get_data(as_text=True)
    assert client.get("/monitoring/hotspots?city=620100&day=2026-02-30").status_code == 400
