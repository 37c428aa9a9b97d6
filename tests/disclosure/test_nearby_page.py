"""/nearby 附近的企业: a form that works without JavaScript, the list nearest first with levels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import create_enterprise, create_rating
from tests.language_check import language_problems


def _html(client, query: str = "", lang: str = "zh-CN") -> str:
    response = client.get(f"/nearby?{query}&lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_form_alone_without_a_point(client):
    html = _html(client)
    assert '<form method="get"' in html and 'name="lat"' in html and 'name="radius_km"' in html
    assert 'id="use-location"' in html and " hidden" in html  # shown only by the script
    assert "tipoff.js" in html and "<script>" not in html  # no inline script (CSP)


def test_lists_enterprises_nearest_first_with_their_level(client, session):
    far = create_enterprise(
        session, name="远处化工", latitude=Decimal("36.080000"), longitude=Decimal("103.830000")
    )
    here = create_enterprise(
        session, name="近处化工", latitude=Decimal("36.060500"), longitude=Decimal("103.830000")
    )
    create_rating(session, here, level="green")
    create_enterprise(
        session, name="城外化工", latitude=Decimal("36.500000"), longitude=Decimal("103.830000")
    )
    session.commit()
    html = _html(client, "lat=36.06&long=103.83&radius_km=5")
    assert html.index("近处化工") < html.index("远处化工")
    assert "城外化工" not in html
    assert "0.1 公里" in html and "2.2 公里" in html
    assert "level-green" in html and here.uscc in html and far.uscc in html
    english = _html(client, "lat=36.06&long=103.83&radius_km=5", lang="en")
    assert "0.1 km" in english


def test_a_wrong_coordinate_is_a_form_error_naming_it(client):
    html = _html(client, "lat=北纬36&long=103.83")
    assert 'role="alert"' in html and "参数 lat 有误" in html
    html = _html(client, "lat=36&long=103.83&radius_km=500", lang="en")
    assert "at most 50 km" in html


def test_pages_follow_the_distance_order(client, session):
    for i in range(35):
        create_enterprise(
            session, latitude=Decimal("36.060000") + Decimal(i) / 1000, longitude=Decimal("103.83")
        )
    session.commit()
    html = _html(client, "lat=36.06&long=103.83&radius_km=10")
    assert 'rel="next"' in html and "after=" in html


def test_an_address_is_searched_around_its_region(client, session):
    create_enterprise(
        session, name="城关化工", latitude=Decimal("36.061000"), longitude=Decimal("103.889000")
    )
    session.commit()
    html = _html(client, "address=甘肃省兰州市城关区&radius_km=10")
    assert "城关化工" in html and "甘肃省兰州市城关区" in html


def test_an_ambiguous_or_unknown_address_is_a_form_error(client):
    html = _html(client, "address=城关区")
    assert 'role="alert"' in html and "西藏自治区拉萨市城关区</a>" in html
    assert "address=%E7%94%98%E8%82%83" in html  # a link per candidate
    html = _html(client, "address=某某小区门口", lang="en")
    assert "no province, city or county name" in html


@pytest.mark.parametrize(
    "query",
    ["address=城关区", "address=某某小区", "lat=北纬&long=1", "lat=36&long=103&radius_km=80"],
)
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_error_states_speak_one_language(client, query, lang):
    assert language_problems(_html(client, query, lang=lang), lang) == []
