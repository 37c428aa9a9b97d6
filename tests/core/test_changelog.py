"""The change log: written in the writer's transaction, gapless and commit-ordered."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from core.changelog import (
    ChangeLog,
    claim_watermark,
    last_seq,
    read_changes,
    record_change,
    set_watermark,
)
from core.db import writing
from tests.factories import create_enterprise


def test_change_is_written_in_the_same_commit(session):
    ent = create_enterprise(session)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    rows = read_changes(session, 0)
    assert [(r.seq, r.entity, r.entity_id, r.op) for r in rows] == [
        (1, "enterprise", ent.uscc, "upsert")
    ]
    assert last_seq(session) == 1


def test_rollback_writes_no_change(session):
    ent = create_enterprise(session)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ChangeLog)) == 0
    assert last_seq(session) == 0


def test_repeated_changes_to_one_entity_collapse_to_the_last(session):
    ent = create_enterprise(session)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    record_change(session, "penalty", 7, enterprise_id=ent.id)
    record_change(session, "enterprise", ent.uscc, "delete", enterprise_id=ent.id)
    session.commit()
    assert [(r.entity, r.op) for r in read_changes(session, 0)] == [
        ("penalty", "upsert"),
        ("enterprise", "delete"),
    ]


def test_concurrent_writers_get_gapless_seq(db):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with writing():
                    s = db.new_session()
                    record_change(s, "enterprise", f"w{n}-{i}")
                    s.commit()
                    s.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s = db.new_session()
    seqs = list(s.scalars(select(ChangeLog.seq).order_by(ChangeLog.seq)))
    assert seqs == list(range(1, 41))
    s.close()


def test_watermark_claim_and_advance(db):
    s = db.new_session()
    record_change(s, "enterprise", "x")
    s.commit()
    with writing():
        after = claim_watermark(s, "indexer")
        assert after == 0
        set_watermark(s, "indexer", 1)
        s.commit()
    with writing():
        assert claim_watermark(s, "indexer") == 1
        s.rollback()
    s.close()
