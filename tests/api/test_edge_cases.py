"""Edge cases of the open API from the partner review: dates out of range, ratings before any
data, honest patterns, NUL and long queries, a cursor beyond the head (partner F4, F13, F16,
F18)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core.changelog import record_change
from tests.factories import create_enterprise, create_penalty


@pytest.fixture
def ent(session):
    made = create_enterprise(session)
    made.created_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    session.commit()
    return made


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/enterprises/{uscc}/rating?as_of=0002-01-01",
        "/api/v1/enterprises/{uscc}/rating?as_of=1899-12-31",
        "/api/v1/enterprises/{uscc}/rating?as_of=9999-12-31",
        "/api/v1/penalties?since=0002-01-01",
        "/api/v1/inspections?since=0001-01-01",
        "/api/v1/permits?since=9999-12-31",
    ],
)
def test_dates_out_of_range_are_422_problems(client, ent, path):
    response = client.get(path.format(uscc=ent.uscc))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "1900-01-01" in str(response.get_json()["errors"])


def test_a_rating_before_anything_was_known_is_unrated(client, session, ent):
    create_penalty(session, ent, decision_date=dt.date(2025, 3, 1))
    session.commit()
    for day in ("1900-01-01", "2023-12-31"):
        response = client.get(f"/api/v1/enterprises/{ent.uscc}/rating?as_of={day}")
        assert response.status_code == 404, day
        body = response.get_json()
        assert body["type"].endswith("/not-found") and "unrated" in body["detail"]
    known = client.get(f"/api/v1/enterprises/{ent.uscc}/rating?as_of=2024-01-01").get_json()
    assert (known["score"], known["level"]) == (100, "green")


def test_an_earlier_record_than_entry_makes_the_enterprise_known_from_then(client, session, ent):
    create_penalty(session, ent, decision_date=dt.date(2023, 6, 1))
    session.commit()
    assert client.get(f"/api/v1/enterprises/{ent.uscc}/rating?as_of=2023-05-31").status_code == 404
    assert (
        client.get(f"/api/v1/enterprises/{ent.uscc}/rating?as_of=2023-06-01").get_json()["score"]
        < 100
    )


def test_stats_month_pattern_is_the_one_the_server_applies(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    params = spec["paths"]["/api/v1/stats/tipoffs"]["get"]["parameters"]
    pattern = next(p for p in params if p["name"] == "month")["schema"]["pattern"]
    for month in ("0025-00", "0025-01", "2026-13", "2026-00", "1999-12"):
        assert not re.search(pattern, month), month
        response = client.get(f"/api/v1/stats/tipoffs?month={month}")
        assert response.status_code == 422, month
        assert "month" in str(response.get_json()["errors"])
    for month in ("2000-01", "2026-07", "2100-12"):
        assert re.search(pattern, month), month
        assert client.get(f"/api/v1/stats/tipoffs?month={month}").status_code == 200, month


def test_nul_in_a_query_is_a_400_problem(client):
    response = client.get("/api/v1/enterprises?q=%00化工")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/invalid-characters")


def test_a_long_query_is_a_414_problem(client):
    response = client.get("/api/v1/enterprises?q=" + "化" * 3000)
    assert response.status_code == 414 and response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/uri-too-long")


def test_a_cursor_beyond_the_head_is_a_409_with_the_head(client, session, ent):
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    response = client.get("/api/v1/changes?after=5")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("/cursor-beyond-head") and body["last_seq"] == 1
    assert response.headers["X-Change-Seq"] == "1"
    caught_up = client.get("/api/v1/changes?after=1")
    assert caught_up.status_code == 200 and caught_up.get_json()["changes"] == []
