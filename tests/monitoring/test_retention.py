"""`flask monitoring partitions` and `monitoring prune`: partitions ahead, retention."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from credit.monitoring.models import CN_HOURLY, CN_MINUTE, RawReading, Reading
from credit.monitoring.partitions import months_ahead, partition_name
from credit.monitoring.retention import prune
from credit.monitoring.storage import ReadingRow, store_readings

UTC = dt.UTC


def _rows(moment: dt.datetime) -> list[ReadingRow]:
    return [
        ReadingRow("ST1", CN_HOURLY, "a34004", moment, 50.0, "N"),
        ReadingRow("ST1", CN_MINUTE, "a34004", moment, 51.0, "N"),
    ]


def test_months_ahead_wraps_the_year():
    got = months_ahead(dt.date(2026, 11, 15), 2)
    assert [m.date() for m in got] == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    ]
    assert partition_name("readings", dt.date(2027, 1, 1)) == "readings_p202701"


def test_prune_keeps_what_retention_says(session):
    now = dt.datetime(2026, 12, 3, 12, tzinfo=UTC)
    old, recent = now - dt.timedelta(days=100), now - dt.timedelta(days=5)
    store_readings(session, _rows(old) + _rows(recent))
    session.commit()
    counts = prune(session, now, raw_days=30, mean_days=0)
    session.commit()
    assert counts["raw_readings"] == 1 and "readings" not in counts
    assert session.scalar(select(func.count()).select_from(RawReading)) == 1
    assert session.scalar(select(func.count()).select_from(Reading)) == 2
    prune(session, now, raw_days=30, mean_days=60)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Reading)) == 1


def test_partitions_command(runner, session):
    result = runner.invoke(args=["monitoring", "partitions", "--months", "2"])
    assert result.exit_code == 0, result.output
    if session.get_bind().dialect.name != "postgresql":
        assert "0" in result.output
        return
    names = set(
        session.execute(
            text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'readings_p%'")
        ).scalars()
    )
    assert len({n for n in names if n.startswith("readings_p")}) >= 3
    # a row of a month with a partition lands in it, not in the DEFAULT one
    store_readings(session, _rows(dt.datetime.now(UTC)))
    session.commit()
    assert session.execute(text("SELECT count(*) FROM readings_default")).scalar() == 0
