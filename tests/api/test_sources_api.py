"""The ledger through the API: case systems may push sources (records:write); nothing reads
them back publicly and the change feed stays silent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.users import create_api_client
from credit.sources.models import PointSource

SOURCE = {"code": "API-1", "name": "接口推送的工地", "type": "construction_site"}


@pytest.fixture
def writer(app, session):
    with app.app_context():
        _, key = create_api_client(session, "case-system", ["records:write"])
    session.commit()
    return {"Authorization": f"Bearer {key}"}


def test_push_sources_all_or_nothing_and_not_in_the_feed(client, session, writer):
    before = client.get("/api/v1/changes").get_json()["last_seq"]
    bad = {**SOURCE, "code": "API-2", "latitude": "36.05", "longitude": "西经"}
    good = {**SOURCE, "latitude": 36.05, "longitude": 103.85}
    refused = client.post("/api/v1/records/sources", headers=writer, json={"records": [good, bad]})
    assert refused.status_code == 422
    assert "records[2].longitude" in refused.get_json()["errors"]
    session.rollback()
    assert session.scalar(select(PointSource)) is None
    ok = client.post("/api/v1/records/sources", headers=writer, json={"records": [good]})
    assert ok.status_code == 200 and ok.get_json()["created"] == 1
    session.rollback()
    assert session.scalar(select(PointSource.region_code)) == "620102"
    assert client.get("/api/v1/changes").get_json()["last_seq"] == before
    anonymous = client.post("/api/v1/records/sources", json={"records": [good]})
    assert anonymous.status_code == 401
