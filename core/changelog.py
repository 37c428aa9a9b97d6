"""The change log (outbox): every public write appends here in its own transaction.

Services call :func:`record_change`; the rows are written by a ``before_commit`` hook, which
takes the next ``seq`` values from a one-row counter with ``UPDATE … RETURNING``. The row
lock on the counter is held until the transaction ends, so on PostgreSQL writers commit in
``seq`` order and a rolled-back transaction gives its numbers back: ``seq`` is gapless and a
reader that has seen ``seq`` N has seen everything before it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, enum_check, register_queue, utcnow

PENDING = "envcredit.pending_changes"
COMMITTED = "envcredit.committed_seq"
ON_COMMIT = "envcredit.on_commit"

OPS = ("upsert", "delete")


class ChangeLog(Base):
    """One public change: which entity, which id, upsert or delete."""

    __tablename__ = "change_log"
    __table_args__ = (
        enum_check("op", OPS),
        # a dataset's last update (credit.freshness): max(at) of one entity from the index
        Index("ix_change_log_entity_at", "entity", "at"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    #: entity type: enterprise, rating, penalty, inspection, permit, disclosure, emission, ...
    entity: Mapped[str] = mapped_column(String(32))
    #: the entity's public id (USCC for enterprises and ratings, numeric id otherwise)
    entity_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8))
    #: the enterprise whose credit file the change touches (drives rescoring)
    enterprise_id: Mapped[int | None] = mapped_column(Integer, index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChangeCounter(Base):
    """The single row holding the last allocated change-log seq."""

    __tablename__ = "change_counter"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class Watermark(Base):
    """How far a consumer of the change log has got, and who holds its lease."""

    __tablename__ = "watermarks"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def record_change(
    session: Session,
    entity: str,
    entity_id: str | int,
    op: str = "upsert",
    enterprise_id: int | None = None,
) -> None:
    """Queue a change-log row; it is written when the session's transaction commits.

    Several changes to one entity in a transaction collapse into one row (the last op).
    """
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}")
    pending: dict[tuple[str, str], tuple[str, int | None]] = session.info.setdefault(PENDING, {})
    key = (entity, str(entity_id))
    pending.pop(key, None)  # re-insert so the row is ordered by its last change
    pending[key] = (op, enterprise_id)


def allocate_seq(session: Session, count: int) -> int:
    """Reserve ``count`` consecutive seq values; returns the first. Locks the counter."""
    last = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.id == 1)
        .values(seq=ChangeCounter.seq + count)
        .returning(ChangeCounter.seq)
    ).scalar_one()
    return last - count + 1


def _write_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()
    first = allocate_seq(session, len(pending))
    now = utcnow()
    rows = [
        {
            "seq": first + i,
            "entity": entity,
            "entity_id": entity_id,
            "op": op,
            "enterprise_id": enterprise_id,
            "at": now,
        }
        for i, ((entity, entity_id), (op, enterprise_id)) in enumerate(pending.items())
    ]
    session.connection().execute(ChangeLog.__table__.insert(), rows)
    session.info[COMMITTED] = first + len(pending) - 1


def _after_commit(session: Session) -> None:
    last = session.info.pop(COMMITTED, None)
    if last is None:
        return
    for callback in session.info.get(ON_COMMIT, ()):
        callback(last)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(COMMITTED, None)


event.listen(Session, "before_commit", _write_pending)
event.listen(Session, "after_commit", _after_commit)
event.listen(
    Session,
    "after_soft_rollback",
    lambda session, tx: None if tx.nested else _after_rollback(session),
)
register_queue(PENDING)


def last_seq(session: Session) -> int:
    """The newest committed seq (0 when the log is empty)."""
    return session.execute(select(ChangeCounter.seq).where(ChangeCounter.id == 1)).scalar_one()


def first_change_since(
    session: Session, entity: str, entity_id: str | int, since: dt.datetime
) -> int | None:
    """The seq of the first change to an entity written at or after ``since`` (the change a
    decision made), None while none is in the log."""
    return session.scalar(
        select(func.min(ChangeLog.seq)).where(
            ChangeLog.entity == entity, ChangeLog.entity_id == str(entity_id), ChangeLog.at >= since
        )
    )


def last_change_at(session: Session) -> dt.datetime | None:
    """When the newest change-log row was written (None when the log is empty)."""
    stmt = select(ChangeLog.at).order_by(ChangeLog.seq.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def read_changes(session: Session, after: int, limit: int = 1000) -> list[ChangeLog]:
    """Change-log rows with seq > after, oldest first."""
    stmt = select(ChangeLog).where(ChangeLog.seq > after).order_by(ChangeLog.seq).limit(limit)
    return list(session.scalars(stmt))


def get_watermark(session: Session, consumer: str) -> int:
    """The last seq the consumer has applied (0 if it never ran)."""
    seq = session.execute(select(Watermark.seq).where(Watermark.consumer == consumer)).scalar()
    return int(seq or 0)


def claim_watermark(session: Session, consumer: str) -> int | None:
    """Lock the consumer's watermark row for this transaction; None if another worker has it.

    On PostgreSQL this is ``SELECT … FOR UPDATE SKIP LOCKED``, so a second worker skips
    instead of waiting and a crashed worker's lock dies with its connection. SQLite has
    one writer at a time anyway (the caller holds BEGIN IMMEDIATE).
    """
    _ensure_watermark(session, consumer)
    stmt = select(Watermark.seq).where(Watermark.consumer == consumer)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    seq = session.execute(stmt).scalar()
    return None if seq is None else int(seq)


def _ensure_watermark(session: Session, consumer: str) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            text(
                "INSERT INTO watermarks (consumer, seq, updated_at) VALUES (:c, 0, now()) "
                "ON CONFLICT (consumer) DO NOTHING"
            ),
            {"c": consumer},
        )
    else:
        session.execute(
            text(
                "INSERT OR IGNORE INTO watermarks (consumer, seq, updated_at) "
                "VALUES (:c, 0, CURRENT_TIMESTAMP)"
            ),
            {"c": consumer},
        )


def set_watermark(session: Session, consumer: str, seq: int) -> None:
    """Record that the consumer has applied everything up to ``seq``."""
    _ensure_watermark(session, consumer)
    session.execute(
        update(Watermark).where(Watermark.consumer == consumer).values(seq=seq, updated_at=utcnow())
    )
