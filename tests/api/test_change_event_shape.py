"""The change event's serialized shape is built twice: by ChangeEventSchema for /changes (and
the OpenAPI document) and by credit.partners.feed.event_payload for webhook bodies. They must
agree field for field, key order included."""

from __future__ import annotations

import datetime as dt
import json

from core.changelog import read_changes, record_change
from core.clock import today as china_today
from credit.partners.feed import change_events, event_payload
from openapi.schemas import ChangeEventSchema
from tests.factories import create_enterprise, create_penalty

UTC = dt.UTC


def _agree(events):
    schema = ChangeEventSchema()
    for event in events:
        dumped, plain = schema.dump(event), event_payload(event)
        assert plain == dumped
        assert list(plain) == list(dumped)
        assert json.dumps(plain, ensure_ascii=False) == json.dumps(dumped, ensure_ascii=False)


def test_schema_and_plain_payload_agree_on_feed_events(app, session):
    ent = create_enterprise(session, name='引号"和逗号,公司')
    live = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=3))
    gone = create_penalty(
        session,
        ent,
        decision_date=dt.date.today() - dt.timedelta(days=3),
        revoked_at=dt.date.today(),
    )
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", live.id, enterprise_id=ent.id)
    record_change(session, "penalty", gone.id, enterprise_id=ent.id)  # not public: a delete
    record_change(session, "penalty", 999_999, op="delete", enterprise_id=ent.id)
    session.commit()
    events = change_events(session, read_changes(session, 0, 100), china_today())
    assert {e["op"] for e in events} == {"upsert", "delete"}
    assert all(isinstance(e["at"], dt.datetime) for e in events)
    _agree(events)


def test_schema_and_plain_payload_agree_on_edge_values():
    _agree(
        [
            {
                "seq": 2**62,
                "at": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
                "entity": "rating",
                "id": "91350100M000100Y43",
                "op": "upsert",
                "snapshot": {"uscc": "91350100M000100Y43", "score": 100, "nested": [1, None]},
            },
            {
                "seq": 1,
                "at": dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
                "entity": "penalty",
                "id": 7,
                "op": "delete",
                "snapshot": None,
            },
        ]
    )
