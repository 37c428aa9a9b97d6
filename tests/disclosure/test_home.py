"""The home page lists enterprises, in Chinese by default and English on request."""

from __future__ import annotations

from tests.factories import create_enterprise


def test_home_lists_enterprises(client, session):
    create_enterprise(session, name="兰州清水化工有限公司")
    session.commit()
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "兰州清水化工有限公司" in text
    assert '<html lang="zh-CN">' in text


def test_home_searches_by_name_and_escapes(app, client, session):
    from core.changelog import record_change
    from search.indexer import SearchIndexer

    for name in ("甲公司", "乙公司"):
        ent = create_enterprise(session, name=name, address="测试路")
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    with app.app_context():
        SearchIndexer(app.extensions["envcredit.search"]).catch_up()
    text = client.get("/?q=乙公司").get_data(as_text=True)
    assert "<mark>公司</mark>" in text and "乙" in text and "甲公司" not in text
    assert "620100" in client.get("/?q=公司").get_data(as_text=True)  # region facet
    hostile = client.get("/?q=<script>alert(1)</script>&region=abc&level=purple&after=zz")
    assert hostile.status_code == 200
    assert "<script>alert(1)" not in hostile.get_data(as_text=True)
    nul = client.get("/?q=%00", headers={"Accept": "text/html"})
    assert nul.status_code == 400 and "NUL" in nul.get_data(as_text=True)


def test_home_pages_with_a_cursor(client, session):
    for i in range(35):
        create_enterprise(session, name=f"分页测试公司{i}")
    session.commit()
    first = client.get("/").get_data(as_text=True)
    assert 'rel="next"' in first


def test_language_switch(client):
    response = client.get("/?lang=en")
    assert '<html lang="en">' in response.get_data(as_text=True)
    assert "lang=en" in response.headers.get("Set-Cookie", "")


def test_unknown_page_is_an_html_error_page(client):
    response = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_pages_are_translated_to_english(client, session):
    create_enterprise(session, name="英文测试公司")
    session.commit()
    text = client.get("/?lang=en").get_data(as_text=True)
    assert "Enterprise environmental credit" in text and "企业名录" not in text
    assert "Log in" in client.get("/regulator/login?lang=en").get_data(as_text=True)
    assert "Enterprises" in client.get("/").get_data(as_text=True)  # the choice is remembered
    assert "企业名录" in client.get("/?lang=zh-CN").get_data(as_text=True)


def test_stylesheet_is_served(client):
    with client.get("/static/disclosure/site.css") as response:
        assert response.status_code == 200 and response.mimetype == "text/css"
