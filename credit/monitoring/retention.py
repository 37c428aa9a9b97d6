"""Retention of readings: raw values for MONITORING_RAW_RETENTION_DAYS, means for
MONITORING_RETENTION_DAYS (0 = kept for ever). On PostgreSQL whole monthly partitions that lie
entirely before the cut are dropped (cheap); the rest is deleted row by row."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from credit.monitoring.models import RawReading, Reading
from credit.monitoring.partitions import PARTITION_NAME, forget, next_month


def _drop_old_partitions(session: Session, table: str, cut: dt.datetime) -> int:
    """Drop the monthly partitions that end before ``cut``; returns the rows they held."""
    dropped = 0
    names = session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :t"
        ),
        {"t": table},
    ).scalars()
    for name in list(names):
        match = PARTITION_NAME.match(name)
        if not match or not match.group(2).startswith("p"):
            continue
        stamp = match.group(2)[1:]
        month = dt.date(int(stamp[:4]), int(stamp[4:]), 1)
        end = next_month(month)
        if dt.datetime(end.year, end.month, 1, tzinfo=dt.UTC) <= cut:
            count = text(f'SELECT count(*) FROM "{name}"')  # noqa: S608 - name matched PARTITION_NAME
            dropped += int(session.execute(count).scalar() or 0)
            session.execute(text(f'DROP TABLE "{name}"'))
            forget(session, stamp)
    return dropped


def prune(session: Session, now: dt.datetime, raw_days: int, mean_days: int) -> dict[str, int]:
    """Delete readings older than their retention; returns the rows removed per table."""
    counts: dict[str, int] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for model, days in ((RawReading, raw_days), (Reading, mean_days)):
        if days <= 0:
            continue
        cut = now - dt.timedelta(days=days)
        table = str(model.__tablename__)
        dropped = _drop_old_partitions(session, table, cut) if postgres else 0
        result = session.execute(delete(model).where(model.time < cut))
        counts[table] = dropped + int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts
