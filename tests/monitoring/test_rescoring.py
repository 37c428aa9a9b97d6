"""New readings rescore their enterprises through the change log, once per consumer batch."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.clock import today as china_today
from credit.kinds import RATED_ENTITIES
from credit.monitoring.models import OUTLET_ENTITY
from credit.ratings import rescoring
from credit.ratings.models import CreditRating
from tests.monitoring.outlets import china_hour, create_outlet, store_means


def _many_transactions(session, outlets, day, hours=24):
    """One transaction per hour, each with the hourly means of every outlet (an exceedance)."""
    for hour in range(hours):
        for outlet in outlets:
            store_means(session, outlet.mn, [china_hour(day, hour)], value=50)
        session.commit()


def _counting(monkeypatch):
    calls: list[set[int]] = []
    real = rescoring.rescore

    def rescore(session, enterprise_ids, *args, **kwargs):
        calls.append(set(enterprise_ids))
        return real(session, enterprise_ids, *args, **kwargs)

    monkeypatch.setattr(rescoring, "rescore", rescore)
    return calls


def test_outlet_changes_are_rated_entities():
    assert OUTLET_ENTITY in RATED_ENTITIES


def test_a_day_of_readings_in_many_transactions_is_one_rescore(app, session, monkeypatch):
    today = china_today()
    yesterday = today - dt.timedelta(days=1)
    outlets = [
        create_outlet(session, mn=f"OUT{i:04d}", commissioned_on=today.replace(day=1))
        for i in range(5)
    ]
    session.commit()
    _many_transactions(session, outlets, yesterday)
    calls = _counting(monkeypatch)
    with app.app_context():
        rescoring.RescoringConsumer("cn-default").catch_up()
    assert calls == [{o.enterprise_id for o in outlets}]  # 120 change rows, one rescore
    session.rollback()
    scores = session.scalars(select(CreditRating.score).where(CreditRating.is_current)).all()
    assert scores == [98] * 5  # one exceedance day each


def test_a_batch_reads_pages_until_enough_enterprises_are_dirty(app, session, monkeypatch):
    today = china_today()
    outlets = [
        create_outlet(session, mn=f"OUT{i:04d}", commissioned_on=today.replace(day=1))
        for i in range(5)
    ]
    session.commit()
    _many_transactions(session, outlets, today - dt.timedelta(days=1), hours=12)
    calls = _counting(monkeypatch)
    consumer = rescoring.RescoringConsumer("cn-default")
    consumer.page = 20  # 60 outlet rows (12 hours × 5 outlets): 3 pages, one batch
    with app.app_context():
        consumer.catch_up()
    assert calls == [{o.enterprise_id for o in outlets}]
    # new hours; a batch ends once 3 enterprises are dirty: each page of 20 rows is one
    _many_transactions(session, outlets, today, hours=12)
    calls.clear()
    consumer.batch_size = 3
    with app.app_context():
        consumer.catch_up()
    assert len(calls) == 3 and all(c == {o.enterprise_id for o in outlets} for c in calls)
