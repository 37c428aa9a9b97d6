"""GET /api/v1/hotspots: the stored ranking; 400 for malformed input, 404 for unknown city or
no ranking; the change feed carries the same ranking as its `hotspot` event."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.monitoring.hotspot_cases import rank_hotspots
from tests.monitoring.hotspot_city import DAY, build_city

LATER = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _ranked(session):
    build_city(session)
    rank_hotspots(session, "620100", "2026-11", DAY, now=LATER)
    session.commit()


def test_ranking_with_city_mean_and_hotspot_flags(client, session):
    _ranked(session)
    response = client.get(f"/api/v1/hotspots?city=620100&month=2026-11&day={DAY}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["id"] == "620100:2026-11-05" and body["period_kind"] == "day"
    assert body["city"] == {"code": "620100", "name": "兰州市"}
    assert body["city_mean_pm25"] == 46.7 and body["margin"] == 0.2
    assert [(c["rank"], c["grid_code"], c["mean_pm25"], c["hotspot"]) for c in body["cells"]] == [
        (1, "HS-A", 70.0, True),
        (2, "HS-D", 50.0, False),
        (3, "HS-B", 40.0, False),
        (4, "HS-C", 20.0, False),
    ]
    assert body["cells"][2]["stations"] == 2 and body["cells"][2]["stations_complete"] == 1
    feed = client.get("/api/v1/changes?after=0").get_json()
    events = [e for e in feed["changes"] if e["entity"] == "hotspot"]
    assert events and events[-1]["snapshot"]["cells"] == body["cells"]


@pytest.mark.parametrize(
    "query",
    [
        "month=2026-11",
        "city=620100",
        "city=6201&month=2026-11",
        "city=620100&month=2026-13",
        "city=620100&month=2026/11",
        "city=620100&month=2026-11&day=2026-12-01",
        "city=620100&month=2026-11&day=2026-11-31",
        "city=六二零一零零&month=2026-11",
    ],
)
def test_bad_queries_are_400_problems(client, query):
    response = client.get(f"/api/v1/hotspots?{query}")
    assert response.status_code == 400, query
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("query", ["city=999999&month=2026-11", "city=620100&month=2026-10"])
def test_unknown_city_or_uncomputed_month_is_404(client, query):
    response = client.get(f"/api/v1/hotspots?{query}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
