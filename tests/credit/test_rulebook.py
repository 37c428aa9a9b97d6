"""Rulebooks load from data files and broken ones fail with the file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit.ratings.loader import available_rulebooks, load_rulebook, parse_rulebook
from credit.ratings.rules import RulebookError

DEFAULT = (
    Path(__file__).parents[2] / "credit" / "ratings" / "rulebooks" / "cn-default.toml"
).read_text(encoding="utf-8")


def test_both_shipped_rulebooks_load():
    assert {"cn-default", "jiangsu-12"} <= set(available_rulebooks())
    assert load_rulebook("cn-default").label == "cn-default@2026.3"
    assert load_rulebook("jiangsu-12").start == 9


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("points = -2\n", 'points = "minus two"\n', "penalty[0].points"),
        ("points = -2\n", "points = 2\n", "must not be positive"),
        ('window = "3 months"', 'window = "three months"', "penalty[0].window"),
        ('{ level = "green", min = 95 }', '{ level = "teal", min = 95 }', "levels[0].level"),
        ("start = 100", "start = 101", "start"),
        ('id = "penalty.general"', 'id = "penalty.minor"', "repeated: penalty.minor"),
        ('when = "no_permit"', 'when = "moon_phase"', "veto[3].when"),
        ('due = "03-15"', 'due = "15 March"', "disclosure.due"),
        ('name = "cn-default"', "name = [", "not valid TOML"),
        (
            '"penalty.minor" = [',
            '"penalty.tiny" = [',
            "names rules that do not exist: penalty.tiny",
        ),
        (
            '"penalty.minor" = ["轻微违法行政处罚", "Penalty for a minor violation"]',
            '"penalty.minor" = ["轻微违法行政处罚", " "]',
            "titles.penalty.minor must be [zh-CN title, English title]",
        ),
    ],
)
def test_broken_rulebooks_name_the_key(old, new, needle):
    assert old in DEFAULT
    with pytest.raises(RulebookError, match=r"rulebook test\.toml") as err:
        parse_rulebook(DEFAULT.replace(old, new, 1), "test.toml")
    assert needle in str(err.value)


@pytest.mark.parametrize("name", ["cn-default", "jiangsu-12"])
def test_shipped_rulebooks_title_every_rule_in_both_languages(name):
    book = load_rulebook(name)
    assert [t[0] for t in book.titles] == book.rule_ids
    assert all(zh != en and zh and en for _, zh, en in book.titles)


def test_unknown_or_path_like_names_are_refused():
    with pytest.raises(RulebookError, match="available"):
        load_rulebook("no-such-book")
    with pytest.raises(RulebookError, match="invalid"):
        load_rulebook("../secrets")
