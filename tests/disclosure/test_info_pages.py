"""The explanation pages (/rules, /help, /accessibility) and what every page's footer says."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from markupsafe import escape

from core.changelog import record_change
from credit.ratings.describe import describe
from credit.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN
from credit.ratings.loader import load_rulebook
from tests.factories import create_enterprise


def test_rules_page_is_the_active_rulebook_in_both_languages(client):
    book = describe(load_rulebook("cn-default"))
    zh = client.get("/rules").get_data(as_text=True)
    en = client.get("/rules?lang=en").get_data(as_text=True)
    for level, name in LEVEL_NAMES.items():
        assert name in zh and LEVEL_NAMES_EN[level] in en
    assert "95–100 分" in zh and "95–100 points" in en
    for line in book.rules:
        assert f'id="rule-{line.id}"' in zh
        assert str(escape(line.what.zh.replace("`", ""))) in zh
    assert "一票否决" in zh and "Vetoes" in en
    assert "cn-default@2026.3" in zh  # in the 规则版本 detail
    assert "差别化" not in en and "减少“双随机”抽查频次" in zh


def test_rules_page_follows_the_configured_rulebook(app, client):
    app.config["CREDIT_RULEBOOK"] = "jiangsu-12"
    page = client.get("/rules").get_data(as_text=True)
    assert "jiangsu-12@" in page and "cn-default@" not in page


def test_help_names_the_hotline_deadlines_and_privacy(client):
    page = client.get("/help").get_data(as_text=True)
    assert "12369" in page and "15 日内" in page and "60 日内" in page
    assert "匿名" in page
    en = client.get("/help?lang=en").get_data(as_text=True)
    assert "12369" in en and "Within 15 days" in en


def test_accessibility_statement(client):
    page = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "GB/T 37668-2019" in page and "WCAG 2.1" in page


@pytest.fixture
def site_config(app_config):
    app_config.update(
        SITE_AUTHORITY="兰州市生态环境局",
        SITE_CONTACT="0931-12369",
        SITE_ICP="陇ICP备00000000号",
        SITE_GOV_ID="6201000001",
    )
    return app_config


def test_footer_names_the_authority_and_the_data_date(site_config, client, session):
    empty = client.get("/").get_data(as_text=True)
    assert "主办单位：兰州市生态环境局" in empty and "0931-12369" in empty
    assert "陇ICP备00000000号" in empty and "政府网站标识码：6201000001" in empty
    assert "数据更新至" not in empty  # nothing yet
    # 23:30 UTC is already the next day in China: the date is China's
    with time_machine.travel(dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        ent = create_enterprise(session)
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
        session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "数据更新至 2026-04-01" in page
    assert "Data updated to 2026-04-01" in client.get("/?lang=en").get_data(as_text=True)


def test_pages_carry_description_open_graph_and_favicon(client):
    page = client.get("/help").get_data(as_text=True)
    assert '<meta name="description"' in page and 'property="og:title"' in page
    assert 'property="og:url" content="http://localhost/help"' in page
    assert "favicon.svg" in page
    with client.get("/static/disclosure/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert "<title>帮助 · 企业环境信用公示平台</title>" in page
