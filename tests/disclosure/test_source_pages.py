"""The ledger's regulator pages: list and detail, login and scope, one language each."""

from __future__ import annotations

import pytest

from tests.disclosure.conftest import login, make_regulator
from tests.disclosure.test_languages import _check
from tests.factories import create_enterprise, create_grid, create_source


@pytest.fixture
def ledger(session):
    grid = create_grid(session, "CG-01")
    ent = create_enterprise(session)
    for i in range(55):
        create_source(session, f"LZ{i:03d}", grid_id=grid.id)
    create_source(session, "LZZ", type="enterprise", grid_id=grid.id, enterprise_id=ent.id)
    create_source(session, "NY001", region_code="411302", name="南阳餐馆")
    session.commit()
    return ent


def test_anonymous_visitors_are_sent_to_login(client, ledger):
    for path in ("/regulator/sources/", "/regulator/sources/LZ001"):
        response = client.get(path)
        assert response.status_code == 302 and "/regulator/login" in response.headers["Location"]


def test_the_list_pages_by_code_within_a_grid(client, session, ledger):
    login(client, make_regulator(session, "lz@example.cn").email)
    first = client.get("/regulator/sources/?grid=CG-01").get_data(as_text=True)
    assert "LZ000" in first and "LZ049" in first and "LZ050" not in first
    assert "NY001" not in first  # another region
    assert 'rel="next" href="/regulator/sources/?grid=CG-01&amp;after=LZ049"' in first
    second = client.get("/regulator/sources/?grid=CG-01&after=LZ049").get_data(as_text=True)
    assert "LZ050" in second and "LZZ" in second and "LZ049<" not in second
    assert 'rel="next"' not in second
    assert "<script" not in first


def test_the_detail_shows_grid_and_linked_enterprise(client, session, ledger):
    login(client, make_regulator(session, "lz@example.cn").email)
    html = client.get("/regulator/sources/LZZ").get_data(as_text=True)
    assert ledger.name in html and f"/regulator/enterprises/{ledger.uscc}" in html
    assert "CG-01" in html and "103.820000" in html


def test_out_of_scope_unknown_and_odd_input(client, session, ledger):
    login(client, make_regulator(session, "lz@example.cn").email)
    assert client.get("/regulator/sources/NY001").status_code == 403
    assert client.get("/regulator/sources/无此编号").status_code == 404
    assert client.get("/regulator/sources/?grid=无此网格").status_code == 404
    for query in ("q=煤场%00", "q=" + "测" * 500, "region=abc&type=<b>", "after=\u202e"):
        assert client.get(f"/regulator/sources/?{query}").status_code in {200, 400}, query


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_pages_speak_one_language(client, session, ledger, lang):
    login(client, make_regulator(session, "lz@example.cn").email)
    problems = []
    for path in ("/regulator/sources/", "/regulator/sources/LZZ"):
        problems += [f"{path}: {p}" for p in _check(client, path, lang)]
    assert not problems, "\n".join(problems)
