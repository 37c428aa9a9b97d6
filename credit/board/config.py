"""The board's categories and answer deadlines, from ``board.toml`` (data, like the case
classes): loaded and validated once; a bad file is refused with the key and the problem."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.workdays import add_workdays

CONFIG_FILE = Path(__file__).with_name("board.toml")
CATEGORIES = ("question", "suggestion", "criticism")
MAX_WORKDAYS = 60


class BoardFileError(ValueError):
    """The board file is unreadable or breaks a rule."""


@dataclass(frozen=True)
class Category:
    """One kind of message with its answer deadline."""

    key: str
    zh: str
    en: str
    workdays_to_answer: int

    def answer_due(self, received: dt.date) -> dt.date:
        """The China working day by which a message received on ``received`` is answered."""
        return add_workdays(received, self.workdays_to_answer)


@dataclass(frozen=True)
class BoardRules:
    """Every category, and the months after which an unanswered message is a failure."""

    categories: dict[str, Category]
    failure_months: int


def _problem(path: Path, key: str, problem: str) -> BoardFileError:
    return BoardFileError(f"{path.name}: {key}: {problem}")


def _number(path: Path, key: str, value: Any, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        raise _problem(path, key, f"must be a whole number from 1 to {high}, got {value!r}")
    return value


def _category(path: Path, key: str, entry: Any) -> Category:
    if not isinstance(entry, dict):
        raise _problem(path, f"categories.{key}", "must be a table")
    for name in ("zh", "en"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise _problem(path, f"categories.{key}.{name}", "must be a non-empty text")
    extra = sorted(set(entry) - {"zh", "en", "workdays_to_answer"})
    if extra:
        raise _problem(path, f"categories.{key}", f"unknown keys {extra}")
    days = _number(
        path, f"categories.{key}.workdays_to_answer", entry.get("workdays_to_answer"), MAX_WORKDAYS
    )
    return Category(key, entry["zh"], entry["en"], days)


def parse_rules(text: str, path: Path = CONFIG_FILE) -> BoardRules:
    """The rules in the file's text, validated (BoardFileError otherwise)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _problem(path, "(file)", f"not valid TOML ({exc})") from exc
    table = data.get("categories")
    if not isinstance(table, dict):
        raise _problem(path, "categories", "missing [categories.<name>] tables")
    unknown = sorted(set(table) - set(CATEGORIES))
    missing = [k for k in CATEGORIES if k not in table]
    if unknown or missing:
        raise _problem(path, "categories", f"unknown {unknown}, missing {missing}")
    months = _number(path, "failure_months", data.get("failure_months"), 24)
    return BoardRules({k: _category(path, k, table[k]) for k in CATEGORIES}, months)


@cache
def board_rules() -> BoardRules:
    """The rules of ``board.toml`` (read once)."""
    return parse_rules(CONFIG_FILE.read_text(encoding="utf-8"))
