"""One rating shape everywhere: /rating, /ratings, the change feed and the export
(partner F10)."""

from __future__ import annotations

import datetime as dt
import json

from core.changelog import record_change
from core.clock import today as china_today
from credit.cases.adjustments import decide_adjustment, propose_adjustment
from credit.ratings.loader import load_rulebook
from credit.ratings.rescoring import rescore
from tests.factories import create_enterprise, create_penalty, create_regulator

KEYS = {
    "uscc",
    "score",
    "level",
    "level_name",
    "computed_level",
    "rulebook",
    "as_of",
    "explanation",
    "adjustment",
    "created_at",
}


def _adjusted(session):
    ent = create_enterprise(session)
    create_penalty(session, ent, decision_date=china_today() - dt.timedelta(days=20))
    book = load_rulebook("cn-default")
    rescore(session, None, china_today(), book)
    first = create_regulator(session, "a@reg.test")
    second = create_regulator(session, "b@reg.test")
    proposal = propose_adjustment(
        session,
        first,
        ent,
        to_level="yellow",
        reason="复核发现问题",
        evidence=None,
        expires_at=china_today() + dt.timedelta(days=90),
        today=china_today(),
    )
    decide_adjustment(session, second, proposal.id, approve=True)
    rescore(session, None, china_today(), book)
    record_change(session, "rating", ent.uscc, enterprise_id=ent.id)
    session.commit()
    return ent, proposal


def test_every_rating_answer_has_the_one_shape(client, session):
    from core.users import create_api_client

    ent, proposal = _adjusted(session)
    with client.application.app_context():
        _, key = create_api_client(session, "exporter", ["exports"])
    session.commit()
    on_demand = client.get(f"/api/v1/enterprises/{ent.uscc}/rating").get_json()
    history = client.get(f"/api/v1/enterprises/{ent.uscc}/ratings").get_json()["ratings"]
    events = client.get("/api/v1/changes?limit=1000").get_json()["changes"]
    fed = [e["snapshot"] for e in events if e["entity"] == "rating"][-1]
    with client.get(
        "/api/v1/exports/ratings.ndjson", headers={"Authorization": f"Bearer {key}"}
    ) as response:
        exported = json.loads(response.get_data(as_text=True).splitlines()[0])
    assert set(on_demand) == set(fed) == set(exported) == KEYS
    assert set(history[0]) == KEYS | {"current", "recorded_at"}
    expected = {
        "id": proposal.id,
        "to_level": "yellow",
        "reason": "复核发现问题",
        "expires_at": proposal.expires_at.isoformat(),
    }
    assert on_demand["adjustment"] == fed["adjustment"] == exported["adjustment"] == expected
    assert history[0]["adjustment"] == expected and history[0]["current"] is True
    assert on_demand["level"] == fed["level"] == "yellow"
    assert on_demand["level_name"] == fed["level_name"] == "环保警示企业"
    assert on_demand["created_at"] is None  # computed on demand, not a stored rating
    assert fed["created_at"] == history[0]["created_at"] == history[0]["recorded_at"]
    assert {k: fed[k] for k in KEYS - {"created_at"}} == {
        k: on_demand[k] for k in KEYS - {"created_at"}
    }
