"""GET /api/v1/enterprises/{uscc} reads through its own fast path: it must say exactly what
the shared snapshot builder and the documented schema say."""

from __future__ import annotations

from decimal import Decimal

from credit.records.snapshots import enterprise_snapshot, enterprise_snapshots
from openapi.schemas import EnterpriseSchema
from tests.factories import create_enterprise, create_rating


def test_fast_read_equals_the_snapshot_builder_and_the_schema(app, session, client):
    rated = create_enterprise(
        session,
        latitude=Decimal("36.061"),
        longitude=Decimal("103.834"),
        former_names="旧名一;旧名二",
    )
    create_rating(session, rated, level="yellow", score=74)
    plain = create_enterprise(
        session,
        latitude=None,
        longitude=None,
        address=None,
        legal_representative=None,
        permit_category=None,
        region_code="411300",
        industry_code="C22",
    )
    session.commit()
    engine = app.extensions["envcredit.db"].engine
    for ent in (rated, plain):
        fast = enterprise_snapshot(engine, ent.uscc)
        assert fast == enterprise_snapshots(session, [ent.uscc])[ent.uscc]
        assert EnterpriseSchema().dump(fast) == fast  # sent without a dump: nothing to change
        body = client.get(f"/api/v1/enterprises/{ent.uscc}").get_json()
        assert body == fast
    assert enterprise_snapshot(engine, rated.uscc)["level"] == "yellow"
    assert enterprise_snapshot(engine, rated.uscc)["rated_as_of"] == "2026-06-30"
    assert enterprise_snapshot(engine, rated.uscc)["updated_at"]
    assert enterprise_snapshot(engine, "91350100M000100Y99") is None
