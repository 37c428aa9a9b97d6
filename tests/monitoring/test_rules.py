"""Rulebook 2026.2 (automatic monitoring): every worked example, through stored readings.

D = 2026-06-30; the outlet is commissioned 2025-01-01 with an SO2 limit of 35 mg/m³ and full
valid data (June 2025 – June 2026) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from credit.ratings.facts_loader import Horizon, load_facts
from credit.ratings.loader import load_rulebook
from credit.ratings.time_travel import rating_as_of
from tests.monitoring.outlets import china_hour, create_outlet, hours, store_means

BOOK = load_rulebook("cn-default")
D = dt.date(2026, 6, 30)
FULL = (dt.date(2025, 6, 1), dt.date(2026, 6, 30))


def _outlet_with_full_data(session, **kwargs):
    outlet = create_outlet(session, **kwargs)
    store_means(session, outlet.mn, hours(*FULL))
    session.commit()
    return outlet


def _rating(session, outlet, day=D):
    enterprise = outlet_enterprise(session, outlet)
    return rating_as_of(session, enterprise, day, BOOK)


def outlet_enterprise(session, outlet):
    from credit.records.models import Enterprise

    return session.get(Enterprise, outlet.enterprise_id)


def _rules(rating):
    return [(li.rule, li.points) for li in rating.explanation]


def _exceed(session, outlet, moments, value, flag="N"):
    store_means(session, outlet.mn, moments, value=value, flag=flag, replace=True)
    session.commit()


def test_the_rulebook_is_version_2026_2():
    assert BOOK.label == "cn-default@2026.3"
    assert load_rulebook("jiangsu-12").exceedance is None
    assert load_rulebook("jiangsu-12").data_gap is None


def test_two_exceedance_days_cost_four_points(session):
    outlet = _outlet_with_full_data(session)
    june1, june2 = dt.date(2026, 6, 1), dt.date(2026, 6, 2)
    _exceed(session, outlet, [china_hour(june1, 9), china_hour(june1, 10)], 40)
    _exceed(session, outlet, [china_hour(june2, 23)], 36)
    rating = _rating(session, outlet)
    assert (rating.score, rating.level) == (96, "green")
    assert _rules(rating) == [("monitoring.exceedance_day", -2)] * 2
    first, second = rating.explanation
    assert (first.source_type, first.source_id) == ("outlet", outlet.mn)
    assert first.note == "2026-06-01 a21026 40 35"  # the day's peak, not one line per hour
    assert second.note == "2026-06-02 a21026 36 35"


def test_the_same_values_flagged_faulty_count_for_nothing(session):
    outlet = _outlet_with_full_data(session)
    june1, june2 = dt.date(2026, 6, 1), dt.date(2026, 6, 2)
    _exceed(session, outlet, [china_hour(june1, 9), china_hour(june1, 10)], 40, flag="D")
    _exceed(session, outlet, [china_hour(june2, 23)], 36, flag="D")
    rating = _rating(session, outlet)
    assert (rating.score, rating.level, rating.explanation) == (100, "green", ())


def test_a_value_above_the_measuring_range_flag_t_is_valid(session):
    outlet = _outlet_with_full_data(session)
    _exceed(session, outlet, [china_hour(dt.date(2026, 6, 1), 9)], 40, flag="T")
    assert _rating(session, outlet).score == 98


def test_twelve_exceedance_days_are_capped_at_twenty_points(session):
    outlet = _outlet_with_full_data(session)
    days = [dt.date(2026, 1, 5) + dt.timedelta(days=10 * i) for i in range(12)]
    _exceed(session, outlet, [china_hour(d, 12) for d in days], 50)
    rating = _rating(session, outlet)
    assert (rating.score, rating.level) == (80, "blue")
    assert [li.points for li in rating.explanation] == [-2] * 10 + [0, 0]


def test_a_month_with_sixty_percent_valid_hours_is_one_data_gap(session):
    outlet = create_outlet(session)
    store_means(session, outlet.mn, hours(*FULL))
    may = list(hours(dt.date(2026, 5, 1), dt.date(2026, 5, 31)))
    valid = round(len(may) * 0.6)  # 446 of 744
    store_means(session, outlet.mn, may[valid:], flag="M", replace=True)
    session.commit()
    rating = _rating(session, outlet)
    assert (rating.score, rating.level) == (95, "green")
    assert _rules(rating) == [("monitoring.data_gap", -5)]
    assert rating.explanation[0].note == f"2026-05 {valid} 744"


def test_months_before_commissioning_are_no_gap(session):
    outlet = create_outlet(session, commissioned_on=dt.date(2026, 5, 20))
    store_means(session, outlet.mn, hours(dt.date(2026, 5, 20), D))
    session.commit()
    rating = _rating(session, outlet)
    assert (rating.score, rating.level, rating.explanation) == (100, "green", ())
    # a month without any data from commissioning on is a gap (July 2026, as of August)
    july = _rating(
        session, create_outlet(session, mn="OUT0002", commissioned_on=D), D.replace(month=8)
    )
    assert _rules(july) == [("monitoring.data_gap", -5)]


def test_thirty_exceedance_days_are_a_veto(session):
    outlet = _outlet_with_full_data(session)
    days = [dt.date(2025, 9, 1) + dt.timedelta(days=7 * i) for i in range(30)]
    _exceed(session, outlet, [china_hour(d, 3) for d in days], 80)
    rating = _rating(session, outlet)
    assert (rating.score, rating.level, rating.computed_level) == (80, "red", "red")
    assert rating.vetoed
    assert rating.explanation[-1].rule == "veto.exceedance_30"
    # 29 days: no veto
    assert _rating(session, outlet, days[-1] - dt.timedelta(days=1)).level != "red"


def test_one_exceedance_day_per_enterprise_per_china_day(session):
    outlet = _outlet_with_full_data(session, limits={"a21026": 35, "a21002": 100})
    other = create_outlet(session, outlet_enterprise(session, outlet), mn="OUT0009", code="DA002")
    store_means(session, other.mn, hours(*FULL))
    june3 = dt.date(2026, 6, 3)
    # 05:00 China on 3 June is 21:00 UTC on 2 June: still the 3rd
    _exceed(session, outlet, [china_hour(june3, 5)], 40)
    store_means(session, outlet.mn, [china_hour(june3, 6)], value=300, pollutant="a21002")
    _exceed(session, other, [china_hour(june3, 23)], 70)
    session.commit()
    rating = _rating(session, outlet)
    assert _rules(rating) == [("monitoring.exceedance_day", -2)]
    # the worst of the day is cited: 300 against 100 is the highest ratio
    assert (rating.explanation[0].source_id, rating.explanation[0].note) == (
        outlet.mn,
        "2026-06-03 a21002 300 100",
    )


def test_readings_after_d_never_count(session):
    outlet = _outlet_with_full_data(session)
    # 00:30 China on 1 July is 30 June in UTC; and June itself is D's month (no gap yet)
    _exceed(session, outlet, [china_hour(dt.date(2026, 7, 1), 0)], 90)
    _exceed(session, outlet, [china_hour(D, 23)], 40)
    rating = _rating(session, outlet)
    assert [li.note for li in rating.explanation] == ["2026-06-30 a21026 40 35"]
    # a day in (D − 365 days, D]: 2025-06-30 is out, 2025-07-01 in
    _exceed(session, outlet, [china_hour(dt.date(2025, 6, 30), 12)], 40)
    _exceed(session, outlet, [china_hour(dt.date(2025, 7, 1), 12)], 40)
    assert _rating(session, outlet).score == 96
    # the full history (no horizon) rates the same
    facts = next(load_facts(session, [outlet.enterprise_id]))
    from credit.ratings.engine import rate

    assert rate(facts, BOOK, D) == _rating(session, outlet)


def test_the_enterprise_page_cites_the_outlet_day_and_peak_and_links_its_readings(client, session):
    from credit.ratings.rescoring import rescore

    outlet = _outlet_with_full_data(session)
    _exceed(session, outlet, [china_hour(dt.date(2026, 6, 1), 9)], 40.5)
    rescore(session, [outlet.enterprise_id], D, BOOK)
    session.commit()
    uscc = outlet_enterprise(session, outlet).uscc
    page = client.get(f"/enterprises/{uscc}").get_data(as_text=True)
    assert "/monitoring/outlets/OUT0001?date=2026-06-01" in page
    assert "DA001（MN OUT0001）" in page and "自动监控数据超标" in page
    assert "a21026 日最高小时均值 40.5，限值 35" in page
    english = client.get(f"/enterprises/{uscc}?lang=en").get_data(as_text=True)
    assert "a21026: highest hourly mean 40.5, limit 35" in english


@pytest.mark.parametrize("n", [2, 12])
def test_monitoring_facts_cost_the_same_number_of_queries(db, session, n):
    for i in range(n):
        outlet = create_outlet(session, mn=f"OUT{i:04d}")
        store_means(session, outlet.mn, hours(dt.date(2026, 6, 1), dt.date(2026, 6, 2)), 50)
    session.commit()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        horizon = Horizon.for_rulebook(D, BOOK.lookback_days)
        facts = list(load_facts(session, None, horizon=horizon))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(facts) == n and all(len(f.exceedances) == 2 for f in facts)
    assert all(sum(m.valid_hours for m in f.outlet_months) == 48 for f in facts)
    assert len(statements) <= 15  # 13 SELECTs (+ BEGIN on SQLite), whatever n is


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("min_share = 0.75", "min_share = 1.5", "data_gap.min_share"),
        ("months = 12", "months = 0", "data_gap.months"),
        ("min_days = 30\n", "", "min_days"),
        ("cap = -20", "cap = 20", "exceedance.cap"),
    ],
)
def test_broken_monitoring_rules_name_the_key(old, new, needle):
    from credit.ratings.loader import RULEBOOK_DIR, parse_rulebook
    from credit.ratings.rules import RulebookError

    text = (RULEBOOK_DIR / "cn-default.toml").read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(RulebookError, match=needle):
        parse_rulebook(text.replace(old, new, 1), "cn-default.toml")


def test_the_rules_page_describes_the_monitoring_rules(client):
    zh = client.get("/rules").get_data(as_text=True)
    for rule in ("monitoring.exceedance_day", "monitoring.data_gap", "veto.exceedance_30"):
        assert f'id="rule-{rule}"' in zh
    assert "不足该月小时数 75%" in zh and "超标天数达到 30 天或以上" in zh
    en = client.get("/rules?lang=en").get_data(as_text=True)
    assert "fewer than 75% of the hours" in en and "30 or more exceedance days" in en
