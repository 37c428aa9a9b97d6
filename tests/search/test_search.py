"""Search: relevance basics, pinyin, facets, freshness through the change log, hostile input."""

from __future__ import annotations

import datetime as dt
import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.changelog import record_change
from search.indexer import SearchIndexer, rebuild
from search.service import make_query, run_search
from tests.factories import create_enterprise, create_penalty


def _backend(app):
    return app.extensions["envcredit.search"]


def _index(app):
    with app.app_context():
        SearchIndexer(_backend(app)).catch_up()


def _search(app, **args):
    with app.app_context():
        return run_search(make_query(args))


def _seed(app, session):
    lanzhou = create_enterprise(session, name="兰州华源化工有限公司", uscc="91350100M000100Y43")
    other = create_enterprise(
        session, name="南阳宏达纸业有限公司", region_code="411300", industry_code="C22"
    )
    fine = create_penalty(
        session,
        other,
        decision_date=dt.date.today() - dt.timedelta(days=30),
        facts="经查，该公司委托兰州华源化工有限公司处置危险废物，未按规定贮存。",
        violation_type="未按规定贮存、处置危险废物",
    )
    for ent in (lanzhou, other):
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", fine.id, enterprise_id=other.id)
    session.commit()
    _index(app)
    return lanzhou, other, fine


def test_exact_code_ranks_first_and_name_beats_facts(app, session):
    lanzhou, _other, fine = _seed(app, session)
    _, hits = _search(app, q="91350100m000100y43")
    assert hits[0]["id"] == f"enterprise:{lanzhou.uscc}"
    _, hits = _search(app, q=fine.decision_no)
    assert hits[0]["id"] == f"penalty:{fine.id}"
    _results, hits = _search(app, q="兰州华源化工")
    assert [h["id"] for h in hits][:2] == [f"enterprise:{lanzhou.uscc}", f"penalty:{fine.id}"]


def test_pinyin_and_initials_find_names(app, session):
    lanzhou, _, _ = _seed(app, session)
    for q in ("lanzhou", "huayuan", "lzhy", "LanZhou"):
        _, hits = _search(app, q=q, type="enterprise")
        assert hits and hits[0]["uscc"] == lanzhou.uscc, q


def test_facets_add_up_and_filters_narrow(app, session):
    _seed(app, session)
    results, _ = _search(app, q="")
    assert results.total == 3
    assert sum(results.facets["region"].values()) == 3
    assert results.facets["region"] == {"6201": 1, "4113": 2}
    narrowed, hits = _search(app, region="411300", type="penalty")
    assert narrowed.total == 1 and hits[0]["type"] == "penalty"
    assert _search(app, industry="C22")[0].total == 2


def test_snippets_are_escaped_and_marked(app, session):
    ent = create_enterprise(session, name="<script>alert(1)</script>化工厂")
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    _index(app)
    _, hits = _search(app, q="化工厂")
    assert "<script>" not in hits[0]["title_html"] and "<mark>" in hits[0]["title_html"]


def test_revoked_penalty_leaves_the_index(app, session):
    _, other, fine = _seed(app, session)
    fine.revoked_at = dt.date.today()
    record_change(session, "penalty", fine.id, enterprise_id=other.id)
    session.commit()
    _index(app)
    assert _search(app, q=fine.decision_no)[0].total == 0


def test_rebuild_matches_the_database(app, session):
    lanzhou, other, fine = _seed(app, session)
    with app.app_context():
        backend = _backend(app)
        backend.upsert([], [f"enterprise:{lanzhou.uscc}"])  # the index drifted
        rebuild(session, backend)
        session.commit()
        assert backend.ids() == {
            f"enterprise:{lanzhou.uscc}",
            f"enterprise:{other.uscc}",
            f"penalty:{fine.id}",
        }


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=300))
def test_any_query_string_is_safe(app, q):
    results, _ = _search(app, q=q, region=q, industry=q, level=q, year=q, page=q, sort=q)
    assert results.total >= 0


def test_hostile_queries(app, session):
    _seed(app, session)
    for q in (
        '"unbalanced',
        "AND OR NOT",
        "name:(",
        "*",
        "?",
        "\x00\x01",
        "兰州" * 500,
        "title:x^99",
        "[a TO z]",
        "'; DROP TABLE enterprises; --",
    ):
        assert _search(app, q=q)[0].total >= 0


def test_api_and_health(app, session, client):
    _seed(app, session)
    body = client.get("/api/v1/search?q=华源&type=enterprise").get_json()
    assert body["total"] == 1 and body["hits"][0]["type"] == "enterprise"
    assert client.get("/api/v1/search?page=-5&per_page=100000").status_code in (200, 422)
    health = client.get("/readyz").get_json()
    assert health["search"]["lag"] == 0


def test_catch_up_rebuilds_a_lost_index(app, session, runner):
    _lanzhou, _, _ = _seed(app, session)
    with app.app_context():
        _backend(app).clear()  # the index folder was deleted
    result = runner.invoke(args=["search", "catch-up"])
    assert result.exit_code == 0, result.output
    assert "rebuilt: 3 documents" in result.output


def test_district_codes_filter_the_district_not_the_city(app, session):
    district = create_enterprise(session, name="深圳南山测试科技有限公司", region_code="440305")
    other = create_enterprise(session, name="深圳龙岗测试科技有限公司", region_code="440310")
    for ent in (district, other):
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    _index(app)
    assert make_query({"region": "440310"}).region == "440310"
    assert make_query({"region": "620100"}).region == "6201"
    _, hits = _search(app, region="440310")
    assert [h["uscc"] for h in hits] == [other.uscc]
    assert _search(app, region="440300")[0].total == 2


def test_full_width_decision_numbers_are_found_exactly(app, session):
    ent = create_enterprise(session, name="全角测试化工有限公司")
    fine = create_penalty(
        session,
        ent,
        decision_no="兰环罚（2019）12号",
        decision_date=dt.date.today() - dt.timedelta(days=30),
    )
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", fine.id, enterprise_id=ent.id)
    session.commit()
    _index(app)
    for q in ("兰环罚（2019）12号", "兰环罚(2019)12号"):
        _, hits = _search(app, q=q)
        assert hits and hits[0]["id"] == f"penalty:{fine.id}", q


def test_searches_answer_from_the_old_index_while_a_rebuild_runs(app, session, monkeypatch):
    from search import indexer

    lanzhou, _other, _fine = _seed(app, session)
    seen = []
    real_sources = indexer._all_sources

    def sources_while_searching(db_session):
        for chunk in real_sources(db_session):  # a reader in another thread, as a request
            reader = threading.Thread(
                target=lambda: seen.append(_search(app, q="兰州华源化工")[0].total)
            )
            reader.start()
            reader.join()
            yield chunk

    monkeypatch.setattr(indexer, "_all_sources", sources_while_searching)
    with app.app_context():
        rebuild(session, _backend(app))
        session.commit()
    assert seen and all(n >= 1 for n in seen)
    assert _search(app, q="兰州华源化工")[1][0]["uscc"] == lanzhou.uscc


def test_a_page_past_the_end_is_the_last_page(app, session):
    _seed(app, session)
    last = [h["id"] for h in _search(app, q="", per_page=2, page=2)[1]]
    assert len(last) == 1
    assert [h["id"] for h in _search(app, q="", per_page=2, page=7)[1]] == last


def test_the_api_names_the_page_it_returns(app, session, client):
    _seed(app, session)
    body = client.get("/api/v1/search?per_page=2&page=7").get_json()
    assert body["page"] == 2 and len(body["hits"]) == 1
    assert client.get("/api/v1/search?q=zzzqqq&page=3").get_json()["page"] == 1
