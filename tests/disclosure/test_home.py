"""The home page lists enterprises, in Chinese by default and English on request."""

from __future__ import annotations

from tests.factories import create_enterprise


def test_home_has_a_hero_search_box(client):
    text = client.get("/").get_data(as_text=True)
    assert '<form method="get" action="/" class="searchbox hero" role="search">' in text
    assert '<label for="q" class="searchbox-label">查询企业环境信用</label>' in text
    assert 'placeholder="企业名称、统一社会信用代码、许可证编号或处罚决定书文号"' in text
    assert '<html lang="zh-CN">' in text


def test_home_browses_by_region_with_counts(client, session):
    city = create_enterprise(session, name="兰州清水化工有限公司", region_code="620102")
    create_enterprise(session, name="兰州西固化工有限公司", region_code="620104")
    create_enterprise(session, name="天水测试化工有限公司", region_code="620502")
    create_enterprise(session, name="东城测试科技有限公司", region_code="110101")
    session.commit()
    top = client.get("/").get_data(as_text=True)
    assert "按地区浏览" in top and "兰州清水化工有限公司" not in top  # no list at the top
    assert '<a href="/?region=620000">甘肃省</a> <span class="count">3 家</span>' in top
    assert '<a href="/?region=110000">北京市</a> <span class="count">1 家</span>' in top
    assert "天津市" not in top  # no enterprises: not offered
    province = client.get("/?region=620000").get_data(as_text=True)
    assert '<a href="/?region=620100">兰州市</a> <span class="count">2 家</span>' in province
    assert '<a href="/?region=620500">天水市</a> <span class="count">1 家</span>' in province
    assert "甘肃省的企业（3 家）" in province
    prefecture = client.get("/?region=6201").get_data(as_text=True)
    assert '<a href="/?region=620102">城关区</a> <span class="count">1 家</span>' in prefecture
    assert '<a href="/?region=620000">甘肃省</a>' in prefecture  # the way back up
    assert "兰州清水化工有限公司" in prefecture and "天水测试化工有限公司" not in prefecture
    district = client.get("/?region=620102").get_data(as_text=True)
    assert city.uscc in district and "兰州西固化工有限公司" not in district
    # a municipality's districts sit right under it
    assert '<a href="/?region=110101">东城区</a>' in client.get("/?region=110000").get_data(
        as_text=True
    )
    assert client.get("/?region=zz99").status_code == 200


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
    assert ">兰州市</a> (2)" in client.get("/?q=公司").get_data(as_text=True)  # region facet
    hostile = client.get("/?q=<script>alert(1)</script>&region=abc&level=purple&after=zz")
    assert hostile.status_code == 200
    assert "<script>alert(1)" not in hostile.get_data(as_text=True)
    nul = client.get("/?q=%00", headers={"Accept": "text/html"})
    assert nul.status_code == 400 and "NUL" in nul.get_data(as_text=True)


def test_home_pages_with_a_cursor(client, session):
    for i in range(35):
        create_enterprise(session, name=f"分页测试公司{i}")
    session.commit()
    first = client.get("/?region=620100").get_data(as_text=True)
    assert 'rel="next" href="/?region=620100&amp;after=' in first


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
    assert "Enterprise environmental credit" in text and "Browse by region" in text
    assert "按地区浏览" not in text
    assert "Log in" in client.get("/regulator/login?lang=en").get_data(as_text=True)
    assert "Browse by region" in client.get("/").get_data(as_text=True)  # the choice is kept
    assert "按地区浏览" in client.get("/?lang=zh-CN").get_data(as_text=True)


def test_stylesheet_is_served(client):
    with client.get("/static/disclosure/site.css") as response:
        assert response.status_code == 200 and response.mimetype == "text/css"
