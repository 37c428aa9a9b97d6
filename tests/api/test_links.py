"""Link: rel="next" headers (RFC 8288): ASCII, every value percent-encoded, and the page they
lead to is the next page (partner F2, security F5)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.changelog import record_change
from tests.factories import create_enterprise, create_penalty

#: RFC 3986 URI characters, a percent only before two hex digits
_URI = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+"
#: one link-value of RFC 8288 §3 as we send it: <URI-Reference>; rel="next"
_LINK = re.compile(rf'^<(?P<uri>{_URI})>[ \t]*;[ \t]*rel="next"$')


def next_url(response) -> str | None:
    """The next page's URL, after checking the header strictly (ASCII, RFC 8288 grammar)."""
    header = response.headers.get("Link")
    if header is None:
        return None
    assert header.isascii(), header
    match = _LINK.fullmatch(header)
    assert match, f"not an RFC 8288 link-value: {header!r}"
    parts = urlsplit(match["uri"])
    assert parts.scheme == "http" and parts.netloc == "localhost", match["uri"]
    return f"{parts.path}?{parts.query}"


def _items(response) -> list:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.mark.parametrize(
    "query",
    [
        "limit=3&q=化工",
        "limit=3&q=%E5%8C%96%E5%B7%A5",
        "limit=3&q=%E9",
        "limit=3&q=%C3%A9",
        "limit=3&q=a%20b%3E%3Bc",
        "limit=3&q=%22%2C%3B",
        "limit=3&note=%E4%B8%AD",
    ],
)
def test_review_link_requests_answer_with_a_valid_link(client, session, query):
    for n in range(4):
        create_enterprise(session, name=f'兰州{n}化工 a b>;c ",; é%E9公司')
    session.commit()
    response = client.get("/api/v1/enterprises?" + query)
    url = next_url(response)
    assert url is not None and "note=" not in url  # unknown parameters are not echoed
    assert len(_items(response)) == 3
    assert len(_items(client.get(url))) == 1


def test_record_lists_carry_their_filters_encoded(client, session):
    ent = create_enterprise(session)
    for _ in range(3):
        create_penalty(session, ent)
    session.commit()
    first = client.get(f"/api/v1/penalties?limit=2&format=cf&uscc={ent.uscc}&x=%C3%A9")
    url = next_url(first)
    assert "format=cf" in url and f"uscc={ent.uscc}" in url and "x=" not in url
    assert [p["CF_WSH"] for p in _items(client.get(url))] == [
        p["CF_WSH"] for p in _items(client.get(f"/api/v1/penalties?format=cf&uscc={ent.uscc}"))
    ][2:]


def test_change_feed_link_is_built_the_same_way(client, session):
    for _ in range(3):
        ent = create_enterprise(session)
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    url = next_url(client.get("/api/v1/changes?limit=2"))
    assert url == "/api/v1/changes?limit=2&after=2"
    assert [e["seq"] for e in client.get(url).get_json()["changes"]] == [3]


def test_links_use_the_public_base_url(app, session):
    app.config["PUBLIC_BASE_URL"] = "https://credit.example.gov.cn"
    for _ in range(2):
        create_enterprise(session)
    session.commit()
    link = app.test_client().get("/api/v1/enterprises?limit=1").headers["Link"]
    assert link.startswith("<https://credit.example.gov.cn/api/v1/enterprises?limit=1&after=")


_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=_TEXT)
def test_any_unicode_query_gives_a_parseable_link_to_the_next_page(client, db, q):
    session = db.new_session()
    try:
        for n in range(3):
            create_enterprise(session, name=f"甲{q}乙{n}")
        session.commit()
    finally:
        session.close()
    params = {"q": q}
    expected = _items(client.get("/api/v1/enterprises", query_string={**params, "limit": 500}))
    assert len(expected) >= 3
    first = client.get("/api/v1/enterprises", query_string={**params, "limit": 2})
    url = next_url(first)
    assert url is not None
    assert _items(first) + _items(client.get(url)) == expected[:4]
