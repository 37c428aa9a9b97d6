"""The rulebook description (credit.ratings.describe) says what the rulebook data says."""

from __future__ import annotations

import dataclasses

import pytest

from credit.ratings import describe as d
from credit.ratings.loader import available_rulebooks, load_rulebook, parse_rulebook
from credit.ratings.rules import Rulebook


def test_every_rulebook_field_is_described():
    fields = {f.name for f in dataclasses.fields(Rulebook)}
    assert fields == d.DESCRIBED_FIELDS, (
        "describe.py does not describe every Rulebook field: describe the new rule type "
        "(and run scripts/rulebook_doc.py)"
    )


def test_default_rulebook_levels_and_rules():
    desc = d.describe(load_rulebook("cn-default"))
    assert (desc.start, desc.min, desc.max) == (100, 0, 100)
    bands = {b.level: d.band_range(b).en for b in desc.levels}
    assert bands == {
        "green": "95–100",
        "blue": "80–94",
        "yellow": "60–79",
        "red": "0–59",
        "black": "veto only",
    }
    assert desc.levels[0].name == d.Text("环保诚信企业", "Environmentally trustworthy")
    rules = {r.id: r for r in desc.rules}
    assert rules["penalty.minor"].points == -2
    assert rules["penalty.minor"].window == d.Text("3 个月", "3 months")
    assert "publish_until" in rules["penalty.general"].counts.en
    assert "1 year" in rules["penalty.general"].counts.en
    assert (rules["inspection.issues"].points, rules["inspection.issues"].cap) == (-3, -15)
    assert "(D − 365 days, D]" in rules["inspection.issues"].counts.en
    assert "CNY 100,000" in rules["penalty.fine_100k"].what.en
    vetoes = {v.id: v.level for v in desc.vetoes}
    assert vetoes["veto.criminal"] == "black" and vetoes["veto.no_permit"] == "red"
    assert desc.title.zh.startswith("企业环境信用评价") and desc.title.en.startswith("Enterprise")


def test_jiangsu_levels_reach_black_by_score():
    desc = d.describe(load_rulebook("jiangsu-12"))
    bands = {b.level: d.band_range(b).en for b in desc.levels}
    assert bands["green"] == "11–12" and bands["red"] == "1–2"
    assert bands["black"] == "≤ 0 (down to −30)"
    bonus = next(r for r in desc.rules if r.family == "clean_years")
    assert (bonus.points, bonus.cap) == (1, 3)
    assert desc.vetoes == ()


def test_comparison_has_one_value_per_rulebook():
    descs = [d.describe(load_rulebook(n)) for n in available_rulebooks()]
    rows = d.compare(descs)
    assert all(len(row.values) == len(descs) for row in rows)
    minor = next(row for row in rows if row.topic.en == "minor penalty")
    assert [v.en if v else None for v in minor.values] == ["−2, 3 months", "−1, 6 months"]


def test_texts_are_never_glued():
    for name in available_rulebooks():
        desc = d.describe(load_rulebook(name))
        for line in (*desc.rules, *desc.vetoes):
            for text in (line.what, line.counts, line.topic):
                assert " / " not in text.zh and " / " not in text.en, line.id


@pytest.mark.parametrize(
    ("window", "en"), [("30 days", "30 days"), ("1 month", "1 month"), ("2 years", "2 years")]
)
def test_windows_are_named_as_written(window, en):
    book = parse_rulebook(
        f"""
name = "t"
version = "1"
effective_from = 2026-01-01
start = 10
min = 0
max = 10
levels = [{{ level = "green", min = 0 }}]
[[penalty]]
id = "p"
severity = ["minor"]
points = -1
window = "{window}"
"""
    )
    assert d.describe(book).rules[0].window.en == en
