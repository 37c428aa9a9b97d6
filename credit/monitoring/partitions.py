"""Monthly partitions of the readings tables on PostgreSQL (declarative RANGE on ``time``).

The migration creates the partitioned parents with a DEFAULT partition as a safety net;
writers call :func:`ensure_partitions` for the months they are about to write, so a month's
partition exists before its first row (a process remembers the months it has seen), and
`flask monitoring partitions` creates the coming months ahead. On SQLite nothing is done.
Partition names are ``<table>_pYYYYMM`` (migrations/env.py leaves them out of `db check`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable

from sqlalchemy import event, text
from sqlalchemy.orm import Session

PARTITIONED = ("readings", "raw_readings")
#: partition table names (for Alembic's autogenerate filter)
PARTITION_NAME = re.compile(r"^(readings|raw_readings)_(p\d{6}|default)$")
_known: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _month(moment: dt.datetime) -> dt.date:
    utc = moment.astimezone(dt.UTC)
    return dt.date(utc.year, utc.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def ensure_partitions(session: Session, moments: Iterable[dt.datetime]) -> list[str]:
    """Create the monthly partitions (UTC months) the moments fall in; returns new names."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return []
    database = str(bind.engine.url)
    months = {_month(m) for m in moments}
    with _lock:
        missing = sorted(m for m in months if (database, f"{m:%Y%m}") not in _known)
    created = []
    for month in missing:
        # one creator at a time across processes; the lock ends with the transaction
        session.execute(text("SELECT pg_advisory_xact_lock(212)"))
        for table in PARTITIONED:
            name = partition_name(table, month)
            exists = session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar()
            if exists is None:
                session.execute(
                    text(
                        f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                        f"FOR VALUES FROM ('{month:%Y-%m-%d} 00:00+00') "
                        f"TO ('{next_month(month):%Y-%m-%d} 00:00+00')"
                    )
                )
                created.append(name)
    if missing:
        # remembered only once the transaction that created them commits
        session.info.setdefault("envcredit.partitions", set()).update(
            (database, f"{m:%Y%m}") for m in missing
        )
    return created


def _remember_committed(session: Session) -> None:
    # after a commit the partitions it created exist for every later transaction (a row
    # written after a savepoint undid one lands in the DEFAULT partition, never lost)
    pending = session.info.pop("envcredit.partitions", None)
    if pending:
        with _lock:
            _known.update(pending)


event.listen(Session, "after_commit", _remember_committed)
event.listen(
    Session,
    "after_soft_rollback",
    lambda session, tx: None if tx.nested else session.info.pop("envcredit.partitions", None),
)


def forget(session: Session, stamp: str) -> None:
    """A dropped partition (``stamp`` = YYYYMM) is created again when a row needs it."""
    with _lock:
        _known.discard((str(session.get_bind().engine.url), stamp))


def months_ahead(today: dt.date, count: int) -> list[dt.datetime]:
    """The first moments of this month and the next ``count`` months (UTC)."""
    month = dt.date(today.year, today.month, 1)
    moments = []
    for _ in range(count + 1):
        moments.append(dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC))
        month = next_month(month)
    return moments
