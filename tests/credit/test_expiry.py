"""When a penalty's publication period ends, the feed carries its removal and the rating
follows, without anyone touching the record."""

from __future__ import annotations

import datetime as dt

from core.changelog import read_changes
from credit.expiry import record_expired
from tests.factories import create_enterprise, create_penalty


def test_expired_publication_is_recorded_once_per_day(session):
    today = dt.date(2026, 6, 30)
    ent = create_enterprise(session)
    ending = create_penalty(session, ent, decision_date=dt.date(2025, 6, 30))  # ends today
    create_penalty(session, ent, decision_date=dt.date(2026, 1, 1))  # still published
    session.commit()
    assert record_expired(session, today) == 1
    session.commit()
    assert record_expired(session, today) == 0  # same day: nothing again
    session.commit()
    rows = read_changes(session, 0)
    assert [(r.entity, r.entity_id, r.enterprise_id) for r in rows] == [
        ("penalty", str(ending.id), ent.id)]


def test_the_feed_shows_the_expired_penalty_as_a_delete(client, session):
    today = dt.date.today()
    ent = create_enterprise(session)
    create_penalty(session, ent, decision_date=today - dt.timedelta(days=400),
                   publish_until=today - dt.timedelta(days=1))
    session.commit()
    record_expired(session, today)
    session.commit()
    events = client.get("/api/v1/changes").get_json()["changes"]
    assert [(e["entity"], e["op"]) for e in events] == [("penalty", "delete")]
