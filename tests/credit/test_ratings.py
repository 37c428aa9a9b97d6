"""Ratings: stored with history, rescored set-wise from the change log, time travel."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select

from core.changelog import read_changes, record_change
from credit.ratings.facts_loader import load_facts
from credit.ratings.loader import load_rulebook
from credit.ratings.models import CreditRating
from credit.ratings.rescoring import RescoringConsumer, rescore
from credit.ratings.time_travel import rating_as_of
from tests.factories import create_enterprise, create_penalty

BOOK = load_rulebook("cn-default")
D = dt.date(2026, 6, 30)


def _ratings(session):
    return list(session.scalars(select(CreditRating).order_by(CreditRating.id)))


def test_rescore_stores_a_new_row_only_when_something_changed(session):
    ent = create_enterprise(session)
    session.commit()
    assert rescore(session, None, D, BOOK).changed == 1
    session.commit()
    assert rescore(session, None, D, BOOK).changed == 0  # same result → no new row
    session.commit()
    create_penalty(session, ent, decision_date=dt.date(2026, 1, 10))
    session.commit()
    assert rescore(session, [ent.id], D, BOOK).changed == 1
    session.commit()
    rows = _ratings(session)
    assert [(r.score, r.level, r.is_current) for r in rows] == [
        (100, "green", False),
        (90, "blue", True),
    ]
    # each new rating also re-publishes the enterprise, whose snapshot embeds the level
    # (partner F1); that row does not mark the enterprise for rescoring again
    assert [(c.entity, c.enterprise_id) for c in read_changes(session, 0)] == [
        ("rating", ent.id),
        ("enterprise", None),
    ] * 2


def test_time_travel_agrees_with_stored_history(session):
    ent = create_enterprise(session)
    create_penalty(
        session,
        ent,
        decision_date=dt.date(2025, 9, 1),
        severity="grave",
        fine_amount_fen=20_000_000,
    )
    session.commit()
    for day in (dt.date(2025, 8, 31), dt.date(2025, 9, 1), dt.date(2026, 6, 30)):
        rescore(session, None, day, BOOK)
        session.commit()
        stored = session.scalar(select(CreditRating).where(CreditRating.is_current))
        computed = rating_as_of(session, ent, day, BOOK)
        assert (stored.score, stored.level) == (computed.score, computed.level)
    assert [r.score for r in _ratings(session)] == [100, 65]


def test_consumer_rates_only_the_dirty_enterprises(app, session):
    quiet = create_enterprise(session)
    busy = create_enterprise(session)
    record_change(session, "enterprise", busy.uscc, enterprise_id=busy.id)
    session.commit()
    with app.app_context():
        # the busy enterprise's change, then the rating and enterprise changes it wrote
        assert RescoringConsumer("cn-default").catch_up() == 3
    session.rollback()
    rated = {r.enterprise_id for r in _ratings(session)}
    assert rated == {busy.id} and quiet.id not in rated


@pytest.mark.parametrize("n", [3, 30])
def test_loading_facts_costs_the_same_number_of_queries(db, session, n):
    for _ in range(n):
        ent = create_enterprise(session)
        create_penalty(session, ent)
    session.commit()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        facts = list(load_facts(session, None))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(facts) == n and all(len(f.penalties) == 1 for f in facts)
    assert len(statements) <= 13  # 11 SELECTs (+ BEGIN on SQLite), whatever n is


def test_cli_rescore_all_and_simulate(runner, session):
    for i in range(3):
        ent = create_enterprise(session)
        if i:
            create_penalty(
                session,
                ent,
                decision_date=dt.date.today() - dt.timedelta(days=30),
                severity="grave",
            )
    session.commit()
    result = runner.invoke(args=["credit", "rescore", "--all"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(CreditRating)) == 3
    sim = runner.invoke(args=["credit", "simulate", "--rulebook", "jiangsu-12"])
    assert sim.exit_code == 0, sim.output
    assert "green" in sim.output and "total" in sim.output
    bad = runner.invoke(args=["credit", "simulate", "--rulebook", "../etc/passwd"])
    assert bad.exit_code != 0 and "rulebook" in bad.output


def test_rating_api_with_time_travel_and_history(client, session):
    ent = create_enterprise(session)
    ent.created_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # known since 2025
    penalty = create_penalty(
        session, ent, decision_date=dt.date(2026, 1, 10), fine_amount_fen=5_000_000
    )
    session.commit()
    body = client.get(f"/api/v1/enterprises/{ent.uscc}/rating?as_of=2026-06-30").get_json()
    assert (body["score"], body["level"], body["rulebook"]) == (90, "blue", "cn-default@2026.3")
    assert body["explanation"] == [
        {
            "rule": "penalty.general",
            "points": -10,
            "source": {"type": "penalty", "id": penalty.id},
            "note": None,
        }
    ]
    before = client.get(f"/api/v1/enterprises/{ent.uscc}/rating?as_of=2026-01-09").get_json()
    assert before["score"] == 100
    assert client.get(f"/api/v1/enterprises/{ent.uscc}/rating?as_of=banana").status_code == 422
    history = client.get(f"/api/v1/enterprises/{ent.uscc}/ratings").get_json()
    assert history["uscc"] == ent.uscc and history["ratings"] == []


def test_loading_only_the_horizon_gives_the_same_ratings(runner, session):
    """The loader reads only what can matter on a date; ratings must not change."""
    from credit.ratings.engine import rate
    from credit.ratings.facts_loader import Horizon

    assert (
        runner.invoke(args=["demo", "load", "--enterprises", "150", "--seed", "3"]).exit_code == 0
    )
    session.rollback()
    for name in ("cn-default", "jiangsu-12"):
        book = load_rulebook(name)
        for day in (dt.date(2023, 3, 14), dt.date(2025, 3, 15), dt.date(2026, 11, 1)):
            horizon = Horizon.for_rulebook(day, book.lookback_days)
            full = [rate(f, book, day) for f in load_facts(session, None)]
            near = [rate(f, book, day) for f in load_facts(session, None, horizon=horizon)]
            assert full == near, (name, day)


def test_the_digest_decides_unchanged_and_older_rows_fall_back_to_json(session):
    """Rows carry a digest of their explanation; rows from before digests (NULL) are still
    recognised as unchanged by their JSON, and a changed explanation is never missed."""
    import json

    from sqlalchemy import update

    from credit.demo.load import load_demo
    from credit.ratings.engine import explanation_digest, json_lines, rate, rating_to_json

    load_demo(session, 30, seed=5)
    session.commit()
    for facts in load_facts(session, None):
        rating = rate(facts, BOOK, D)
        stored = json.loads(json.dumps(rating_to_json(rating)))
        assert explanation_digest(json_lines(stored)) == explanation_digest(rating.explanation)
    assert rescore(session, None, D, BOOK).changed == 30
    session.commit()
    assert None not in session.scalars(select(CreditRating.explanation_digest)).all()
    session.execute(update(CreditRating).values(explanation_digest=None))
    session.commit()
    assert rescore(session, None, D, BOOK).changed == 0  # JSON comparison for old rows
    session.commit()
    # a stale digest (same score and level, different explanation) is a change
    victim = session.scalars(select(CreditRating)).first()
    session.execute(
        update(CreditRating).where(CreditRating.id == victim.id).values(explanation_digest="0" * 24)
    )
    session.commit()
    assert rescore(session, None, D, BOOK).changed == 1


def test_parallel_rescore_stores_exactly_what_one_process_does(app, session):
    """`--jobs`: forked processes rate slices and hand back changes; the caller writes."""
    from core.db import writing
    from credit.demo.load import load_demo
    from credit.ratings import rescoring as ratings_module

    load_demo(session, 60, seed=9)
    session.commit()
    previous, ratings_module.SLICE = ratings_module.SLICE, 7  # many slices for 60 enterprises
    try:
        with app.app_context(), writing():  # as the CLI: the caller holds the write lock
            session.rollback()  # the next statement begins the write transaction
            seen: list[int] = []
            result = rescore(session, None, D, BOOK, jobs=2, chunk=5, advance=seen.append)
            session.commit()
    finally:
        ratings_module.SLICE = previous
    assert (result.rated, result.changed, sum(seen)) == (60, 60, 60)
    parallel = {
        (r.enterprise_id, r.score, r.level, r.explanation_digest) for r in _ratings(session)
    }
    changes = [c for c in read_changes(session, 0, 5000) if c.entity == "rating"]
    assert len(changes) == 60 and len({c.entity_id for c in changes}) == 60
    session.execute(CreditRating.__table__.delete())
    session.commit()
    assert rescore(session, None, D, BOOK).changed == 60
    session.commit()
    assert {
        (r.enterprise_id, r.score, r.level, r.explanation_digest) for r in _ratings(session)
    } == parallel
    with app.app_context():
        assert rescore(session, None, D, BOOK, jobs=2).changed == 0  # nothing new to store


def test_a_veto_is_stored_shown_in_the_snapshot_and_on_list_badges(client, session):
    from sqlalchemy import update

    from credit.records.snapshots import enterprise_snapshots

    ent = create_enterprise(session)
    create_penalty(session, ent, decision_date=dt.date(2026, 1, 10), criminal_transfer=True)
    session.commit()
    assert rescore(session, None, D, BOOK).changed == 1
    session.commit()
    (rating,) = _ratings(session)
    assert (rating.level, rating.vetoed) == ("black", True)
    assert enterprise_snapshots(session, [ent.uscc])[ent.uscc]["vetoed"] is True
    page = client.get(f"/?region={ent.region_code}").get_data(as_text=True)
    assert "· 一票否决</span>" in page
    # a row stored before the column existed says false: the next rescore rewrites it
    session.execute(update(CreditRating).values(vetoed=False))
    session.commit()
    assert rescore(session, None, D, BOOK).changed == 1
    session.commit()
    session.expire_all()
    assert [(r.vetoed, r.is_current) for r in _ratings(session)] == [(False, False), (True, True)]
