"""Hourly series and daily summaries: China days, validity, exceedances, keyset pages."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import BadRequest, NotFound
from credit.monitoring.browsing import StationFilter, get_outlet, list_stations
from credit.monitoring.series import (
    Period,
    daily_summary,
    day_period,
    find_device,
    parse_cursor,
    parse_period,
    reading_page,
)
from tests.factories import create_enterprise, create_grid
from tests.monitoring.devices import add_hours, create_outlet, create_station

DAY = dt.date(2026, 10, 8)
TODAY = dt.date(2026, 10, 20)


@pytest.fixture
def outlet(session):
    ent = create_enterprise(session)
    outlet = create_outlet(session, ent, "OUT001", {"a21026": 50.0})
    # 24 hours of SO2: 30 except two hours above 50, one above 50 but in maintenance (M,
    # invalid) and one T (valid, above the measuring range) above 50; NOx has no limit
    so2: list = [30.0] * 24
    so2[5], so2[6], so2[7], so2[8] = 60.0, 55.0, (80.0, "M"), (51.0, "T")
    add_hours(session, "OUT001", "a21026", DAY, so2)
    add_hours(session, "OUT001", "a21002", DAY, [120.0] * 24)
    # the next China day starts at 16:00 UTC: its 00:00 belongs to it, not to DAY
    add_hours(session, "OUT001", "a21026", DAY + dt.timedelta(days=1), [70.0, (None, "D")])
    session.flush()
    return outlet


def test_daily_summary_counts_valid_and_exceeding_hours_per_china_day(session, outlet):
    device = find_device(session, "OUT001", "outlet")
    period = Period(day_period(DAY).start, day_period(DAY + dt.timedelta(days=1)).end)
    found = {(s.day, s.pollutant): s for s in daily_summary(session, device, period)}
    so2 = found[(DAY, "a21026")]
    assert (so2.hours, so2.valid_hours, so2.exceedance_hours) == (24, 23, 3)
    assert so2.peak == 60.0 and so2.limit == 50.0  # the invalid 80 is not the peak
    assert so2.mean == pytest.approx((30 * 20 + 60 + 55 + 51) / 23)
    nox = found[(DAY, "a21002")]
    assert nox.exceedance_hours == 0 and nox.limit is None  # no limit, nothing exceeds
    after = found[(DAY + dt.timedelta(days=1), "a21026")]
    assert (after.hours, after.valid_hours, after.exceedance_hours) == (2, 1, 1)
    assert after.peak == 70.0


def test_each_value_carries_flag_validity_limit_and_exceedance(session, outlet):
    device = find_device(session, "OUT001", "outlet")
    items = reading_page(session, device, day_period(DAY), "a21026").items
    assert len(items) == 24 and items[0]["time"] == "2026-10-08T00:00:00+08:00"
    by_hour = {int(i["time"][11:13]): i for i in items}
    assert by_hour[5] | {"time": None} == {
        "mn": "OUT001",
        "time": None,
        "pollutant": "a21026",
        "value": 60.0,
        "min": None,
        "max": None,
        "flag": "N",
        "valid": True,
        "limit": 50.0,
        "exceeds": True,
        "total": None,
    }
    assert by_hour[7]["valid"] is False and by_hour[7]["exceeds"] is False
    assert by_hour[8]["valid"] is True and by_hour[8]["exceeds"] is True
    assert by_hour[9]["exceeds"] is False
    nox = reading_page(session, device, day_period(DAY), "a21002").items
    assert nox[0]["limit"] is None and nox[0]["exceeds"] is None


def test_keyset_pages_cover_the_series_once_in_time_order(session, outlet):
    device = find_device(session, "OUT001", "outlet")
    period = Period(day_period(DAY).start, day_period(DAY + dt.timedelta(days=2)).end)
    whole = reading_page(session, device, period, limit=1000).items
    seen, after = [], None
    while True:
        page = reading_page(session, device, period, after=after, limit=7)
        seen += page.items
        if page.next_after is None:
            break
        after = parse_cursor(page.next_after)
    assert seen == whole and len(whole) == 24 + 24 + 2
    keys = [(i["time"], i["pollutant"]) for i in whole]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_periods_are_china_days_and_bad_ones_are_refused():
    period = parse_period("2026-10-01", "2026-10-01", TODAY)
    assert period.start == dt.datetime(2026, 9, 30, 16, tzinfo=dt.UTC)
    assert period.end - period.start == dt.timedelta(days=1)
    instant = parse_period("2026-10-01T08:00", "2026-10-01T10:00+08:00", TODAY)
    assert instant.end - instant.start == dt.timedelta(hours=2)
    default = parse_period(None, None, TODAY)
    assert default.end == day_period(TODAY).end
    assert default.end - default.start == dt.timedelta(days=7)
    for start, end in (
        ("2026-13-01", None),
        ("yesterday", None),
        ("0001-01-01", None),
        ("2026-10-05", "2026-10-01"),
        ("2024-01-01", "2026-01-01"),
        (None, "9999-12-31"),
    ):
        with pytest.raises(BadRequest):
            parse_period(start, end, TODAY)
    for cursor in ("x", "123_A21026", "1_a21026;drop"):
        with pytest.raises(BadRequest):
            parse_cursor(cursor)


def test_an_outlet_mn_is_not_a_station_and_unknown_mns_are_not_found(session, outlet):
    with pytest.raises(NotFound):
        find_device(session, "OUT001", "station")
    with pytest.raises(NotFound):
        find_device(session, "NOPE", None)
    create_station(session, "S" * 24)
    assert find_device(session, "S" * 24, "station").mn == "S" * 24
    with pytest.raises(NotFound):  # never cut down to a registered MN
        find_device(session, "S" * 25, None)
    with pytest.raises(NotFound):
        get_outlet(session, "../../etc")
    assert "password_hash" not in get_outlet(session, "OUT001")


def test_station_list_filters_by_region_grid_below_and_kind_paged_by_mn(session):
    top = create_grid(session, "CG-01", box=(103.80, 36.03, 103.90, 36.10))
    cell = create_grid(session, "CG-01-01", box=(103.80, 36.03, 103.85, 36.06), parent=top)
    create_station(session, "ST03", grid_id=cell.id)
    create_station(session, "ST01", grid_id=top.id, kind="national")
    create_station(session, "ST02")
    create_station(session, "ST09", region_code="620103")
    mns = lambda page: [s["mn"] for s in page.items]  # noqa: E731
    assert mns(list_stations(session, StationFilter(grid="CG-01"))) == ["ST01", "ST03"]
    assert mns(list_stations(session, StationFilter(region="620102"))) == ["ST01", "ST02", "ST03"]
    assert mns(list_stations(session, StationFilter(region="6201", kind="micro"))) == [
        "ST02",
        "ST03",
        "ST09",
    ]
    first = list_stations(session, StationFilter(), limit=2)
    assert mns(first) == ["ST01", "ST02"] and first.next_after == "ST02"
    rest = list_stations(session, StationFilter(after="ST02"), limit=2)
    assert mns(rest) == ["ST03", "ST09"] and rest.next_after is None
    with pytest.raises(NotFound):
        list_stations(session, StationFilter(grid="NO-SUCH"))
    assert all("password_hash" not in s for s in first.items)


def test_a_total_alone_is_stored_and_served_but_is_not_a_valid_mean(session):
    """A pollutant that sends only its hour's total (HJ 212 ``-Cou``, e.g. a flow's volume)
    is kept with no mean: the series shows its total, and it counts as no valid hour."""
    from credit.monitoring.hj212 import Packet
    from credit.monitoring.intake import readings_of
    from credit.monitoring.storage import store_readings
    from tests.monitoring.test_hj212 import HOURLY, frame, one

    ent = create_enterprise(session)
    create_outlet(session, ent, "010000A8900016F000169DC0", {"a21026": 50.0})
    packet = one(frame(HOURLY))
    assert isinstance(packet, Packet)
    rows = {r.pollutant: r for r in readings_of(packet)}
    assert (rows["a19001"].value, rows["a19001"].total) == (None, 1200.0)
    assert (rows["a21026"].value, rows["a21026"].total) == (12.5, None)
    store_readings(session, list(rows.values()))
    session.flush()
    device = find_device(session, "010000A8900016F000169DC0", "outlet")
    day = dt.date(2026, 8, 1)
    items = {i["pollutant"]: i for i in reading_page(session, device, day_period(day)).items}
    assert (items["a19001"]["value"], items["a19001"]["total"]) == (None, 1200.0)
    assert items["a19001"]["valid"] is False and items["a21026"]["valid"] is True
    summary = {s.pollutant: s for s in daily_summary(session, device, day_period(day))}
    assert summary["a19001"].valid_hours == 0 and summary["a21026"].valid_hours == 1
