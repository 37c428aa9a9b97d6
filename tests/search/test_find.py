"""Search that finds what people type (#15 item 6), on every backend: exact codes redirect
(decision numbers however bracketed), pinyin typos offer a spelling, facets are readable."""

from __future__ import annotations

import datetime as dt

import pytest

from core.changelog import record_change
from credit.records.models import Permit
from search.analysis import code_key, fuzzy, fuzzy_key, spelt_like
from search.indexer import SearchIndexer
from search.service import make_query, search_page
from tests.factories import create_enterprise, create_penalty, create_rating

DECISION = "兰环罚〔2023〕346号"
TYPED = (
    "兰环罚〔2023〕346号",
    "兰环罚(2023)346号",
    "兰环罚（2023）346号",
    "兰环罚[2023]346号",
    "兰环罚【2023】346号",
    "兰环罚［２０２３］３４６号",
    "兰环罚〔2023〕346",
    "兰环罚(2023)346",
    "兰环罚2023346号",
    " 兰环罚 (2023) 346 号 ",
    "兰环罚〔2023〕第346号",
)


def test_code_key_is_one_form_for_every_way_of_typing_a_code():
    assert {code_key(t) for t in TYPED} == {"兰环罚2023346"}
    assert code_key(" 91620102067646084c ") == code_key("91620102067646084C")
    assert code_key("兰环罚〔2023〕347号") != code_key(DECISION)
    assert code_key("号") == "号" and code_key("") == ""


def test_fuzzy_pinyin_blurs_what_people_blur():
    assert fuzzy_key("兰洲") == fuzzy_key("兰州") == fuzzy_key("lanzou") == fuzzy("lanzhou")
    assert fuzzy_key("Lan Zhou") == "lanzou"
    assert fuzzy_key("91620102") == "" and fuzzy_key("兰州2") == ""
    assert spelt_like("甘肃兰州华源化工有限公司", fuzzy_key("兰洲")) == "兰州"
    assert spelt_like("南阳宏达纸业有限公司", "lanzou") is None


def test_the_character_table_reads_as_pypinyin_does():
    from pypinyin import lazy_pinyin

    from search.analysis import char_pinyin

    table = char_pinyin()
    assert len(table) > 20000
    for char in "兰州洲华源化工长重绿铝女业有限公司甘肃省":
        assert table[char] == lazy_pinyin(char)[0], char


def _index(app):
    with app.app_context():
        SearchIndexer(app.extensions["envcredit.search"]).catch_up()


def _seed(app, session):
    lanzhou = create_enterprise(session, name="兰州华源化工有限公司", region_code="620102")
    create_rating(session, lanzhou, level="yellow", score=72)
    other = create_enterprise(
        session, name="南阳宏达纸业有限公司", region_code="411300", industry_code="C22"
    )
    session.add(
        Permit(
            enterprise_id=other.id,
            permit_no=other.uscc + "001P",
            category="key",
            valid_from=dt.date(2024, 1, 1),
            valid_until=dt.date(2029, 1, 1),
        )
    )
    fine = create_penalty(
        session,
        other,
        decision_no=DECISION,
        decision_date=dt.date.today() - dt.timedelta(days=30),
    )
    for ent in (lanzhou, other):
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", fine.id, enterprise_id=other.id)
    session.commit()
    _index(app)
    return lanzhou, other, fine


def _page(app, **args):
    with app.test_request_context():
        return search_page(make_query(args))


def test_exact_codes_redirect_to_their_page(app, session, client):
    lanzhou, other, fine = _seed(app, session)
    for typed in TYPED:
        response = client.get("/", query_string={"q": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/penalties/{fine.id}"), typed
    for typed in (lanzhou.uscc.lower(), f"  {lanzhou.uscc}  "):
        response = client.get("/", query_string={"q": typed})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/enterprises/{lanzhou.uscc}")
    # the enterprise, not one of its penalties; a permit number leads to its holder
    for typed in (other.uscc, (other.uscc + "001p").lower()):
        location = client.get("/", query_string={"q": typed}).headers["Location"]
        assert location.endswith(f"/enterprises/{other.uscc}"), typed


def test_an_unknown_code_or_a_filter_falls_back_to_search(app, session, client):
    _lanzhou, other, _fine = _seed(app, session)
    assert client.get("/?q=兰环罚(2023)999号").status_code == 200
    filtered = client.get("/", query_string={"q": other.uscc, "region": "620000"})
    assert filtered.status_code == 200
    # a USCC looked up among penalties: its penalties are listed, not one of them opened
    only_penalties = client.get("/", query_string={"q": other.uscc, "type": "penalty"})
    assert only_penalties.status_code == 200
    assert DECISION in only_penalties.get_data(as_text=True)


def test_lookup_is_by_key_and_returns_the_holders(app, session):
    lanzhou, other, fine = _seed(app, session)
    with app.app_context():
        backend = app.extensions["envcredit.search"]
        assert [h.id for h in backend.lookup(code_key("兰环罚[2023]346"))] == [f"penalty:{fine.id}"]
        assert {h.id for h in backend.lookup(code_key(other.uscc))} == {
            f"enterprise:{other.uscc}",
            f"penalty:{fine.id}",
        }
        assert backend.lookup(code_key(lanzhou.uscc))[0].uscc == lanzhou.uscc
        assert backend.lookup("兰环罚") == [] and backend.lookup("") == []


@pytest.mark.parametrize("typo", ["兰洲", "lanzou", "兰洲华源"])
def test_a_homophone_or_pinyin_typo_offers_the_spelling(app, session, typo):
    lanzhou, _other, _fine = _seed(app, session)
    page = _page(app, q=typo)
    assert page.fallback and page.suggestion in ("兰州", "兰州华源")
    assert page.results.total >= 1
    assert page.hits[0]["uscc"] == lanzhou.uscc
    assert "<mark>兰州" in page.hits[0]["title_html"]


@pytest.mark.parametrize("typed", ["yongchangluye", "yongchanglvye", "永昌铝叶"])
def test_run_together_pinyin_finds_a_name_from_any_word(app, session, typed):
    ent = create_enterprise(session, name="兰州永昌铝业集团有限公司")
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    _index(app)
    page = _page(app, q=typed)
    assert page.fallback and page.suggestion == "永昌铝业"
    assert [h["uscc"] for h in page.hits] == [ent.uscc]


def test_a_query_with_few_hits_keeps_them_and_offers_the_spelling(app, session):
    lanzhou, _other, _fine = _seed(app, session)
    few = create_enterprise(session, name="兰洲测试化工厂")
    record_change(session, "enterprise", few.uscc, enterprise_id=few.id)
    session.commit()
    _index(app)
    page = _page(app, q="兰洲")
    assert not page.fallback and page.suggestion == "兰州"
    assert [h["uscc"] for h in page.hits] == [few.uscc]
    assert lanzhou.uscc not in [h["uscc"] for h in page.hits]


def test_a_query_that_finds_plenty_gets_no_suggestion(app, session):
    _seed(app, session)
    page = _page(app, q="兰州")
    assert not page.fallback and page.suggestion is None and page.results.total >= 1
    nothing = _page(app, q="zzzqqq")
    assert nothing.results.total == 0 and nothing.suggestion is None


def test_did_you_mean_on_the_page(app, session, client):
    _seed(app, session)
    text = client.get("/?q=兰洲").get_data(as_text=True)
    assert "您是不是要找“兰州”？" in text and "q=%E5%85%B0%E5%B7%9E" in text
    assert "兰州华源化工有限公司" in text.replace("<mark>", "").replace("</mark>", "")
    english = client.get("/?q=lanzou&lang=en").get_data(as_text=True)
    assert "Did you mean “兰州”?" in english


def test_facets_are_readable_and_count_document_types(app, session, client):
    _seed(app, session)
    page = _page(app, q="")
    assert page.results.facets["type"] == {"enterprise": 2, "penalty": 1}
    assert page.labels["region"]["6201"] == "兰州市"
    assert page.labels["industry"]["C"] == "制造业"
    text = client.get("/?q=公司").get_data(as_text=True)
    assert ">兰州市</a> (1)" in text and ">制造业</a>" in text and "6201<" not in text
    assert ">企业</a> (2)" in text


def test_active_filters_are_chips_that_remove_themselves(app, session, client):
    _seed(app, session)
    text = client.get("/?q=公司&region=620100&type=enterprise").get_data(as_text=True)
    assert "地区：兰州市" in text and "类型：企业" in text and "清除筛选" in text
    # each chip's link drops its own filter and keeps the other one and the query
    assert 'href="/?q=%E5%85%AC%E5%8F%B8&amp;type=enterprise"' in text
    assert 'href="/?q=%E5%85%AC%E5%8F%B8&amp;region=620100"' in text
    assert 'href="/?q=%E5%85%AC%E5%8F%B8"' in text  # 清除筛选


def test_an_enterprise_hit_shows_uscc_city_level_and_score(app, session, client):
    lanzhou, _other, _fine = _seed(app, session)
    page = _page(app, q="华源", type="enterprise")
    hit = page.hits[0]
    assert (hit["uscc"], hit["city"], hit["score_value"]) == (lanzhou.uscc, "兰州市", 72)
    text = client.get("/?q=华源&type=enterprise").get_data(as_text=True)
    assert lanzhou.uscc in text and "兰州市" in text and "72 分" in text
    assert "环保警示企业" in text
