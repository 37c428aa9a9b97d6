"""POST /api/v1/records/{kind} and a mirror kept in sync by the change feed alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.users import create_api_client
from credit.records.models import Enterprise, Penalty

U1 = "91350100M000100Y43"


@pytest.fixture
def writer(app, session):
    with app.app_context():  # the key's hash is keyed with the app's HASH_KEY
        _, key = create_api_client(session, "case-system", ["records:write"])
    session.commit()
    return {"Authorization": f"Bearer {key}"}


ENTERPRISE = {
    "uscc": U1,
    "name": "兰州华源化工有限公司",
    "region_code": "620100",
    "industry_code": "C26",
    "permit_category": "key",
    "status": "operating",
}


def test_push_needs_the_scope_and_is_all_or_nothing(client, session, writer):
    assert (
        client.post("/api/v1/records/enterprises", json={"records": [ENTERPRISE]}).status_code
        == 401
    )
    bad = client.post(
        "/api/v1/records/enterprises",
        headers=writer,
        json={
            "records": [
                ENTERPRISE,
                {**ENTERPRISE, "uscc": "91350100M000100Y44", "region_code": "999999"},
            ]
        },
    )
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "records[2].uscc" in bad.get_json()["errors"]
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0
    ok = client.post("/api/v1/records/enterprises", headers=writer, json={"records": [ENTERPRISE]})
    assert ok.get_json() == {"created": 1, "updated": 0, "unchanged": 0}
    again = client.post(
        "/api/v1/records/enterprises", headers=writer, json={"records": [ENTERPRISE]}
    )
    assert again.get_json()["unchanged"] == 1


def _apply(mirror: dict, events: list) -> None:
    for event in events:
        key = (event["entity"], event["id"])
        if event["op"] == "delete":
            mirror.pop(key, None)
        else:
            mirror[key] = event["snapshot"]


def test_a_mirror_fed_by_the_change_feed_equals_a_fresh_export(client, session, writer):
    today = dt.date.today()
    client.post("/api/v1/records/enterprises", headers=writer, json={"records": [ENTERPRISE]})
    penalties = [
        {
            "decision_no": f"兰环罚〔2026〕{i}号",
            "uscc": U1,
            "violation_type": "超标排放",
            "facts": "经查超标",
            "legal_basis": "大气法第九十九条",
            "penalty_kinds": "罚款",
            "fine_amount": "50000",
            "decision_date": (today - dt.timedelta(days=200)).isoformat(),
            "authority": "兰州市生态环境局",
            "severity": "一般",
        }
        for i in range(1, 4)
    ]
    client.post("/api/v1/records/penalties", headers=writer, json={"records": penalties})
    mirror: dict = {}
    after = 0
    body = client.get(f"/api/v1/changes?after={after}").get_json()
    _apply(mirror, body["changes"])
    after = body["next_after"]
    # upstream: one penalty is revoked by import, one repaired by a regulator
    revoked = {**penalties[0], "revoked_at": today.isoformat()}
    client.post("/api/v1/records/penalties", headers=writer, json={"records": [revoked]})
    from credit.cases.repairs import apply_for_repair, decide_repair
    from tests.factories import create_regulator

    penalty = session.scalar(
        select(Penalty).where(Penalty.decision_no == penalties[1]["decision_no"])
    )
    application = apply_for_repair(
        session, penalty, reason="已整改完毕", commitment="守法承诺", contact="x", today=today
    )
    decide_repair(
        session,
        create_regulator(session, "r@example.cn"),
        application.id,
        approve=True,
        note=None,
        today=today,
    )
    session.commit()
    body = client.get(f"/api/v1/changes?after={after}").get_json()
    _apply(mirror, body["changes"])
    mirrored = {v["decision_no"] for (entity, _), v in mirror.items() if entity == "penalty"}
    fresh = {p["decision_no"] for p in client.get("/api/v1/penalties").get_json()["items"]}
    assert mirrored == fresh == {penalties[2]["decision_no"]}
    assert mirror[("enterprise", U1)] == client.get(f"/api/v1/enterprises/{U1}").get_json()
