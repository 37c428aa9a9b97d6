"""Case classes (日常/一般/较大/重大) and their deadlines, from ``case_classes.toml``.

The file is data, like a rulebook: loaded and validated once; a bad file is refused with
the file, the key and the problem (:class:`ClassFileError`), never half-used.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.clock import CHINA, local_date
from core.workdays import add_workdays
from credit.supervision.models import CASE_CLASSES

CLASS_FILE = Path(__file__).with_name("case_classes.toml")
_FIELDS = ("zh", "en", "hours_to_dispatch", "workdays_to_rectify", "workdays_to_verify")
MAX_HOURS = 24 * 30
MAX_WORKDAYS = 120


class ClassFileError(ValueError):
    """The case-class file is unreadable or breaks a rule."""


@dataclass(frozen=True)
class CaseClass:
    """One class of case with its deadlines."""

    key: str
    zh: str
    en: str
    hours_to_dispatch: int
    workdays_to_rectify: int
    workdays_to_verify: int

    def dispatch_due(self, found_at: dt.datetime) -> dt.datetime:
        """When a case found at ``found_at`` must have been dispatched."""
        return found_at + dt.timedelta(hours=self.hours_to_dispatch)

    def rectify_due(self, dispatched_at: dt.datetime) -> dt.datetime:
        """End of the China working day by which the result must be reported."""
        return _end_of(add_workdays(local_date(dispatched_at), self.workdays_to_rectify))

    def verify_due(self, reported_at: dt.datetime) -> dt.datetime:
        """End of the China working day by which the result must be verified."""
        return _end_of(add_workdays(local_date(reported_at), self.workdays_to_verify))


def _end_of(day: dt.date) -> dt.datetime:
    """The last moment of a China calendar day, in UTC."""
    local = dt.datetime.combine(day, dt.time(23, 59, 59), CHINA)
    return local.astimezone(dt.UTC)


def _problem(path: Path, key: str, problem: str) -> ClassFileError:
    return ClassFileError(f"{path.name}: {key}: {problem}")


def _number(path: Path, key: str, value: Any, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        raise _problem(path, key, f"must be a whole number from 1 to {high}, got {value!r}")
    return value


def parse_classes(text: str, path: Path = CLASS_FILE) -> dict[str, CaseClass]:
    """Every class of the file's text, validated (ClassFileError otherwise)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _problem(path, "(file)", f"not valid TOML ({exc})") from exc
    table = data.get("classes")
    if not isinstance(table, dict):
        raise _problem(path, "classes", "missing [classes.<name>] tables")
    unknown = sorted(set(table) - set(CASE_CLASSES))
    missing = [k for k in CASE_CLASSES if k not in table]
    if unknown:
        raise _problem(path, f"classes.{unknown[0]}", f"unknown class (known: {CASE_CLASSES})")
    if missing:
        raise _problem(path, f"classes.{missing[0]}", "class missing")
    result = {}
    for key in CASE_CLASSES:
        entry, where = table[key], f"classes.{key}"
        if not isinstance(entry, dict):
            raise _problem(path, where, "must be a table")
        extra = sorted(set(entry) - set(_FIELDS))
        if extra:
            raise _problem(path, f"{where}.{extra[0]}", "unknown key")
        for label in ("zh", "en"):
            if not isinstance(entry.get(label), str) or not entry[label].strip():
                raise _problem(path, f"{where}.{label}", "must be a non-empty text")
        result[key] = CaseClass(
            key,
            entry["zh"].strip(),
            entry["en"].strip(),
            _number(path, f"{where}.hours_to_dispatch", entry.get("hours_to_dispatch"), MAX_HOURS),
            _number(
                path, f"{where}.workdays_to_rectify", entry.get("workdays_to_rectify"), MAX_WORKDAYS
            ),
            _number(
                path, f"{where}.workdays_to_verify", entry.get("workdays_to_verify"), MAX_WORKDAYS
            ),
        )
    return result


def load_classes(path: Path) -> dict[str, CaseClass]:
    """The classes of a file on disk."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(path, "(file)", f"cannot be read ({exc})") from exc
    return parse_classes(text, path)


@cache
def case_classes() -> dict[str, CaseClass]:
    """The classes in force (loaded once per process)."""
    return load_classes(CLASS_FILE)
