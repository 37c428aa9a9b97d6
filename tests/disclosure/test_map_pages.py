"""The map pages: /map?region=CODE (public) and /regulator/map?grid=CODE (regulators)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from defusedxml import ElementTree

from credit.maps import areas
from credit.maps.layers import MARKS
from credit.ratings.levels import LEVELS, UNRATED
from tests.credit.test_maps import _district, _grid, _square
from tests.disclosure.conftest import login, make_regulator
from tests.language_check import language_problems

SVG = "{http://www.w3.org/2000/svg}"
CSS = Path(__file__).resolve().parents[2] / "disclosure/static/disclosure/site.css"


@pytest.fixture(autouse=True)
def _fresh_cache():
    areas.clear_cache()
    yield
    areas.clear_cache()


def _map_svg(html: str):
    match = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" viewBox=.*?</svg>', html, re.S)
    assert match, "no map drawing on the page"
    return ElementTree.fromstring(match.group(0))


def _rows(html: str, key: str) -> list[str]:
    table = re.search(rf'<table class="list map-list" id="table-{key}">(.*?)</table>', html, re.S)
    assert table, f"no {key} table"
    return re.findall(r'<tr data-mark="([^"]+)">', table.group(1))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_region_map_lists_every_symbol_and_speaks_one_language(client, session, lang):
    made = _district(session)
    session.commit()
    response = client.get(f"/map?region=620102&lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert not language_problems(html, lang)
    root = _map_svg(html)
    uses = root.findall(f".//{SVG}g[@class='layer layer-enterprises']/{SVG}use")
    rows = _rows(html, "enterprises")
    assert len(uses) == len(rows) == len(made)
    assert sorted(rows) == sorted(level for _, level in made)
    for level in (*LEVELS, UNRATED):  # the legend names every level with its mark
        assert f'class="{MARKS[level].css}"' in html
    legend = html.split('id="legend-title"', 1)[1].split("</section>", 1)[0]
    names = [MARKS[level].label.en if lang == "en" else MARKS[level].label.zh for level in LEVELS]
    assert all(name in legend for name in names)
    assert 'role="img"' in html and "aria-labelledby" in html
    assert "<script" not in html.split("<main", 1)[1]


def test_map_colours_come_from_the_level_colours_of_the_stylesheet():
    css = CSS.read_text(encoding="utf-8")
    for level, colour in {"green": "#1e7b34", "blue": "#1f5fa8", "red": "#c0262d"}.items():
        assert f".level-{level} {{ background: {colour}; }}" in css
        assert f".lv-{level} {{ fill: {colour};" in css


def test_map_without_region_shows_the_picker(client, session):
    _district(session, per_level=1)
    session.commit()
    html = client.get("/map").get_data(as_text=True)
    assert 'name="region"' in html and "/map?region=620000" in html
    assert "<svg xmlns" not in html


@pytest.mark.parametrize(
    "query", ["region=999999", "region=620199", "region=abc", "region=中文", "region=" + "9" * 300]
)
def test_unknown_region_is_a_404_page(client, query):
    response = client.get(f"/map?{query}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_control_bytes_in_the_region_are_refused_before_the_map(client):
    response = client.get("/map?region=%00%ff", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "<html" in response.get_data(as_text=True)


def test_region_without_any_position_says_so(client, session, monkeypatch):
    monkeypatch.setattr(areas, "boundaries_module", lambda: None)
    html = client.get("/map?region=620103").get_data(as_text=True)
    assert "无法绘制地图" in html


def test_region_with_a_boundary_and_no_enterprise_draws_the_outline(client, session):
    html = client.get("/map?region=620103").get_data(as_text=True)
    assert _map_svg(html).find(f"{SVG}path[@class='map-outline']") is not None


def test_regulator_map_needs_login(client):
    response = client.get("/regulator/map")
    assert response.status_code == 302 and "/regulator/login" in response.headers["Location"]


def test_regulator_sees_their_grids_and_not_others(client, session):
    _district(session, per_level=1)
    _grid(session, "LZ-01", _square(103.80, 36.03, 103.90, 36.08))
    _grid(session, "BJ-01", _square(116.30, 39.90, 116.40, 39.95), region="110101")
    session.commit()
    make_regulator(session, "grid@example.cn", "620100")
    assert login(client, "grid@example.cn").status_code == 302
    picker = client.get("/regulator/map").get_data(as_text=True)
    assert "grid=LZ-01" in picker and "BJ-01" not in picker
    page = client.get("/regulator/map?grid=LZ-01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    root = _map_svg(html)
    assert len(root.findall(f".//{SVG}g[@class='layer layer-enterprises']/{SVG}use")) == len(
        _rows(html, "enterprises")
    )
    assert client.get("/regulator/map?grid=BJ-01").status_code == 404
    assert client.get("/regulator/map?grid=NOPE").status_code == 404
    assert client.get("/regulator/map?grid=网格").status_code == 404


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_regulator_map_speaks_one_language(client, session, app, lang):
    from credit.tipoffs.filing import TipOffInput, file_tipoff

    _district(session, per_level=1)
    _grid(session, "LZ-02", _square(103.80, 36.03, 103.90, 36.08))
    with app.app_context():
        file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="夜间烟囱冒黑烟，气味刺鼻。",
                location="某地",
                latitude="36.05",
                longitude="103.83",
                region_code="620102",
            ),
        )
    session.commit()
    make_regulator(session, "lang@example.cn", "620100")
    assert login(client, "lang@example.cn").status_code == 302
    for path in ("/regulator/map", "/regulator/map?grid=LZ-02"):
        html = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        assert not language_problems(html, lang), path
    assert len(_rows(html, "open-tipoffs")) == 1
