import datetime as dt

from core.workdays import add_workdays, is_workday


def test_national_day_holiday_is_skipped():
    # 2026-10-01..07 is the National Day holiday; 2026-10-10 (Saturday) is a make-up day
    assert not is_workday(dt.date(2026, 10, 5))
    assert add_workdays(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_ordinary_week_and_far_future_fall_back_to_weekdays():
    assert add_workdays(dt.date(2026, 6, 5), 1) == dt.date(2026, 6, 8)  # Friday → Monday
    assert add_workdays(dt.date(2031, 6, 6), 5) == dt.date(2031, 6, 13)
