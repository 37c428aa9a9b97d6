"""bench/monitoring_rules: rescoring after a day of hourly readings (rulebook 2026.2).

1,000 enterprises with one outlet each (SO2 limit 35) and ``HISTORY_DAYS`` of valid hourly
means before the measured day. The day arrives as 24 transactions, one per hour, each storing
that hour's means of every outlet through ``store_readings`` (about 2% above the limit): 24,000
change-log rows. Measured: the RescoringConsumer catching up on them (batched, set-wise, the
new ratings written), against a full rescore of the same enterprises in the same run that
writes every rating too (rolled back; target ≤ 2×). A third figure times the exceedance consumer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from bench.report import Figure
from core.clock import CHINA
from core.clock import today as china_today
from core.db import get_db, writing
from credit.monitoring.exceedances import ExceedanceConsumer
from credit.monitoring.models import CN_HOURLY, ExceedanceCase, Outlet, OutletLimit, Reading
from credit.monitoring.storage import ReadingRow, store_readings
from credit.ratings.loader import load_rulebook
from credit.ratings.models import CreditRating
from credit.ratings.rescoring import RescoringConsumer, rescore
from credit.records.models import Enterprise

SO2 = "a21026"
OUTLETS = 1000
HISTORY_DAYS = 7


@contextlib.contextmanager
def _bare_app() -> Iterator[Any]:
    """An app on a fresh migrated SQLite database, without demo data (enterprises below)."""
    os.environ.setdefault("BACKGROUND_CONSUMERS", "false")
    from core import migrate
    from wsgi import create_app

    with tempfile.TemporaryDirectory(prefix="envcredit-bench-") as tmp:
        url = f"sqlite:///{Path(tmp, 'bench.sqlite3')}"
        migrate.upgrade(url)
        app = create_app({"ENVCREDIT_INSTANCE": tmp, "DATABASE_URL": url})
        with app.app_context():
            yield app
        app.extensions["envcredit.db"].dispose()


def _enterprises(session, n: int) -> list[int]:
    session.execute(
        insert(Enterprise),
        [
            {
                "uscc": f"91620100MA{i:07d}X",
                "name": f"监测测试企业{i}号",
                "legal_representative": "张三",
                "region_code": "620100",
                "industry_code": "C26",
                "address": f"兰州市测试路{i}号",
                "permit_category": "registration",
                "status": "operating",
            }
            for i in range(n)
        ],
    )
    return list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)))


def _outlets(session, ids: list[int], commissioned: dt.date) -> list[str]:
    mns = []
    for i, enterprise_id in enumerate(ids):
        outlet = Outlet(
            mn=f"BENCH{i:06d}",
            enterprise_id=enterprise_id,
            outlet_code="DA001",
            kind="gas",
            commissioned_on=commissioned,
        )
        session.add(outlet)
        mns.append(outlet.mn)
    session.flush()
    session.add_all(
        OutletLimit(outlet_id=o.id, pollutant=SO2, limit=Decimal(35))
        for o in session.scalars(select(Outlet))
    )
    return mns


def _hour(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), CHINA)


def _rows(mns: list[str], moment: dt.datetime, rng: random.Random) -> list[ReadingRow]:
    return [
        ReadingRow(
            mn, CN_HOURLY, SO2, moment, rng.uniform(40, 60) if rng.random() < 0.02 else 12, "N"
        )
        for mn in mns
    ]


def _store_hour(mns: list[str], moment: dt.datetime, rng: random.Random) -> None:
    with writing():
        session = get_db().new_session()
        store_readings(session, _rows(mns, moment, rng))
        session.commit()
        session.close()


def _timed_catch_up(consumer) -> float:
    started = time.perf_counter()
    consumer.catch_up()
    return time.perf_counter() - started


def run(scale: float) -> tuple[list[Figure], list[str]]:
    n = max(100, int(OUTLETS * scale))
    book = load_rulebook("cn-default")
    rng = random.Random(7)
    day = china_today() - dt.timedelta(days=1)
    first = day - dt.timedelta(days=HISTORY_DAYS)
    with _bare_app():
        db = get_db()
        session = db.new_session()
        with writing():
            ids = _enterprises(session, n)
            mns = _outlets(session, ids, first)
            session.commit()
        started = time.perf_counter()
        for offset in range(HISTORY_DAYS):
            history = [
                row
                for hour in range(24)
                for row in _rows(mns, _hour(first + dt.timedelta(days=offset), hour), rng)
            ]
            with writing():
                store_readings(session, history)
                session.commit()
        rescoring = RescoringConsumer(book.name)
        exceedances = ExceedanceConsumer()
        rescoring.catch_up()  # the history's ratings: not measured
        exceedances.catch_up()
        history_s = time.perf_counter() - started
        for hour in range(24):  # the measured day: one transaction per hour
            _store_hour(mns, _hour(day, hour), rng)
        changes = 24 * len(mns)
        consumer_s = _timed_catch_up(rescoring)
        cases_s = _timed_catch_up(exceedances)
        session.rollback()
        readings = session.scalar(select(func.count()).select_from(Reading)) or 0
        cases = session.scalar(select(func.count()).select_from(ExceedanceCase)) or 0
        with writing():  # the baseline writes every rating too, and is rolled back
            session.execute(update(CreditRating).values(is_current=False))
            started = time.perf_counter()
            result = rescore(session, ids, china_today(), book)
            session.flush()
            full_s = time.perf_counter() - started
            session.rollback()
        session.close()
    notes = [
        f"{len(mns)} enterprises with one outlet each; {readings} hourly means stored "
        f"({HISTORY_DAYS} days of history, then the measured day as 24 transactions of "
        f"{len(mns)} outlets: {changes} change-log rows); the consumer rescored them in "
        f"batches of up to {rescoring.batch_size} dirty enterprises; the baseline rescores "
        f"the same {result.rated} enterprises at once, writing all {result.changed} "
        f"ratings (rolled back); {cases} exceedance cases open; history stored and rated "
        f"in {history_s:.1f} s (not measured); SQLite"
    ]
    ratio = consumer_s / full_s
    return [
        Figure(
            "monitoring_rules",
            "rescoring consumer after a day of readings",
            consumer_s,
            "s",
            "full rescore of the same enterprises",
            full_s,
            ratio,
            "≤ 2×",
            ratio <= 2.0,
            {"change_rows": changes, "enterprises": len(mns)},
        ),
        Figure(
            "monitoring_rules",
            "exceedance consumer after a day of readings",
            cases_s,
            "s",
            "full rescore of the same enterprises",
            full_s,
            cases_s / full_s,
        ),
    ], notes
