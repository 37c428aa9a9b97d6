"""When a penalty's publication period ends, the feed carries its removal and the rating
follows, without anyone touching the record."""

from __future__ import annotations

import datetime as dt

from core.changelog import read_changes
from credit.ratings.expiry import record_expired
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
        ("penalty", str(ending.id), ent.id)
    ]


def test_the_feed_shows_the_expired_penalty_as_a_delete(client, session):
    today = dt.date.today()
    ent = create_enterprise(session)
    create_penalty(
        session,
        ent,
        decision_date=today - dt.timedelta(days=400),
        publish_until=today - dt.timedelta(days=1),
    )
    session.commit()
    record_expired(session, today)
    session.commit()
    events = client.get("/api/v1/changes").get_json()["changes"]
    assert [(e["entity"], e["op"]) for e in events] == [("penalty", "delete")]


def test_publication_start_and_future_revocation_are_recorded_on_their_day(session):
    from credit.records.models import Penalty

    ent = create_enterprise(session)
    later = create_penalty(session, ent, decision_date=dt.date(2026, 7, 3))
    revoked = create_penalty(session, ent, decision_date=dt.date(2026, 6, 5))
    session.get(Penalty, revoked.id).revoked_at = dt.date(2026, 7, 2)
    session.commit()
    assert record_expired(session, dt.date(2026, 7, 1)) == 1  # revoked's decision date
    session.commit()
    assert record_expired(session, dt.date(2026, 7, 2)) == 1  # its revocation
    session.commit()
    assert record_expired(session, dt.date(2026, 7, 3)) == 1  # the later one is published
    session.commit()
    assert [r.entity_id for r in read_changes(session, 0)] == [
        str(revoked.id),
        str(revoked.id),
        str(later.id),
    ]


def test_an_expired_adjustment_marks_its_enterprise_for_rescoring(session):
    from credit.cases.models import RatingAdjustment
    from credit.ratings.rescoring import dirty_enterprises
    from tests.factories import create_rating, create_regulator

    ent = create_enterprise(session)
    create_rating(session, ent, "blue")
    alice = create_regulator(session, "alice@example.cn")
    for status in ("approved", "rejected"):
        session.add(
            RatingAdjustment(
                enterprise_id=ent.id,
                from_level="blue",
                to_level="red",
                reason="r",
                proposed_by=alice.id,
                status=status,
                expires_at=dt.date(2026, 7, 2),
            )
        )
    session.commit()
    assert record_expired(session, dt.date(2026, 7, 1)) == 0
    session.commit()
    assert record_expired(session, dt.date(2026, 7, 2)) == 1
    session.commit()
    rows = read_changes(session, 0)
    assert [(r.entity, r.entity_id) for r in rows] == [("enterprise", ent.uscc)]
    assert dirty_enterprises(rows) == {ent.id}
