"""credit.supervision.classes: the case-class file is loaded once and a bad one is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.supervision.classes import CLASS_FILE, ClassFileError, case_classes, parse_classes

GOOD = CLASS_FILE.read_text(encoding="utf-8")


def test_the_shipped_file_has_every_class_with_its_names():
    classes = case_classes()
    assert list(classes) == ["routine", "general", "major", "critical"]
    assert [c.zh for c in classes.values()] == ["日常", "一般", "较大", "重大"]
    assert classes["critical"].hours_to_dispatch < classes["routine"].hours_to_dispatch


def test_rectification_counts_working_days_in_china():
    friday = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)  # Friday 10:00 in China
    due = case_classes()["critical"].rectify_due(friday)  # 2 working days: Tuesday
    assert due == dt.datetime(2026, 12, 8, 15, 59, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("classes = [", "(file)"),
        ("version = 1", "classes"),
        (
            GOOD.replace("hours_to_dispatch = 72", 'hours_to_dispatch = "72"'),
            "classes.routine.hours_to_dispatch",
        ),
        (
            GOOD.replace("hours_to_dispatch = 72", "hours_to_dispatch = 0"),
            "classes.routine.hours_to_dispatch",
        ),
        (
            GOOD.replace("workdays_to_verify = 1", "workdays_to_verify = 9999"),
            "classes.critical.workdays_to_verify",
        ),
        (GOOD.replace('zh = "重大"', 'zh = ""'), "classes.critical.zh"),
        (GOOD.replace("[classes.major]", "[classes.huge]"), "classes.huge"),
        (
            GOOD.replace('en = "Routine"', 'en = "Routine"\ncolour = "red"'),
            "classes.routine.colour",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(text, where):
    with pytest.raises(ClassFileError) as refused:
        parse_classes(text)
    assert f"case_classes.toml: {where}:" in str(refused.value)
