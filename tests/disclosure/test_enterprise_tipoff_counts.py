"""近一年被举报 N 次，属实 M 次: closed tip-offs of the last 365 China days, counts only."""

from __future__ import annotations

import datetime as dt
import itertools

from core.clock import CHINA
from credit.tipoffs.by_enterprise import tipoff_counts, window_start
from credit.tipoffs.models import TipOff
from tests.factories import create_enterprise, create_rating

_codes = itertools.count(1)


def _tipoff(session, ent, closed_at, substantiated, status="closed", duplicate_of=None):
    n = next(_codes)
    tip = TipOff(
        tracking_code=f"JB-TEST{n:02d}-X",
        secret_hash="x",
        category="air",
        description="工厂夜间排放刺鼻黑烟",
        location="兰州市城关区",
        region_code=ent.region_code,
        enterprise_id=ent.id,
        reporter_name="王举报人",
        status=status,
        accept_due_at=dt.date(2026, 1, 1),
        due_at=dt.date(2026, 3, 1),
        substantiated=substantiated,
        closed_at=closed_at,
        duplicate_of_id=duplicate_of,
    )
    session.add(tip)
    session.flush()
    return tip


def _china(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).astimezone(dt.UTC)


def test_counts_closed_tipoffs_of_the_last_year_by_china_date(session):
    ent = create_enterprise(session)
    other = create_enterprise(session, uscc="91620100MA00000002", name="另一家公司")
    today = dt.date(2026, 12, 2)
    first_day = today - dt.timedelta(days=364)
    kept = _tipoff(session, ent, _china(first_day, 0), True)  # China midnight: counted
    _tipoff(session, ent, _china(today - dt.timedelta(days=10)), False)
    _tipoff(session, ent, _china(today - dt.timedelta(days=20)), True)
    _tipoff(session, ent, _china(first_day - dt.timedelta(days=1), 23), True)  # too old
    _tipoff(session, ent, None, None, status="investigating")  # not closed
    _tipoff(session, ent, _china(today), True, duplicate_of=kept.id)  # merged duplicate
    _tipoff(session, other, _china(today), True)
    assert window_start(today) == dt.datetime(2025, 12, 2, 16, tzinfo=dt.UTC)
    counts = tipoff_counts(session, ent.id, today)
    assert (counts.closed, counts.substantiated) == (3, 2)
    assert tipoff_counts(session, other.id, today).closed == 1


def test_enterprise_page_shows_counts_and_nothing_about_reporters(client, session):
    ent = create_enterprise(session)
    create_rating(session, ent)
    now = dt.datetime.now(dt.UTC)
    _tipoff(session, ent, now - dt.timedelta(days=3), True)
    _tipoff(session, ent, now - dt.timedelta(days=30), False)
    session.commit()
    text = client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    assert "近一年被举报 2 次，属实 1 次" in text
    assert "王举报人" not in text and "JB-TEST" not in text
    en = client.get(f"/enterprises/{ent.uscc}?lang=en").get_data(as_text=True)
    assert "Reported 2 times in the past year, 1 substantiated" in en


def test_no_tipoffs_reads_as_no_record(client, session):
    ent = create_enterprise(session)
    session.commit()
    text = client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    assert "近一年无举报记录" in text and "近一年被举报" not in text
