"""Parse and validate rulebook TOML files; every error names the file, key and problem."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from credit.ratings.levels import LEVELS
from credit.ratings.rules import (
    CATEGORIES,
    SEVERITIES,
    TEMPORARY_EVENTS,
    VETO_KINDS,
    WINDOW_PATTERN,
    CleanYears,
    CountedRule,
    DataGapRule,
    DisclosureRule,
    EmissionRule,
    PenaltyRule,
    PledgeRule,
    Rulebook,
    RulebookError,
    Surcharge,
    TemporaryReportRule,
    Veto,
    Window,
)

RULEBOOK_DIR = Path(__file__).parent / "rulebooks"


class _Reader:
    """Typed access to one table of the TOML file, raising RulebookError with its path."""

    def __init__(self, source: str, path: str, table: dict[str, Any]) -> None:
        self.source, self.path, self.table = source, path, table

    def fail(self, key: str, problem: str) -> RulebookError:
        where = f"{self.path}.{key}" if self.path else key
        return RulebookError(
            f"规则文件 {self.source}：{where} {problem} / rulebook "
            f"{self.source}: {where}: {problem}"
        )

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "is required")
            return default
        value = self.table[key]
        if isinstance(value, bool) and kind in (int, float):
            raise self.fail(key, f"must be {kind.__name__}, not a boolean")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(key, f"must be {names}, got {type(value).__name__} {value!r}")
        return value

    def points(self, key: str = "points") -> int:
        value = self.get(key, int)
        if value > 0 and key != "points_bonus":
            raise self.fail(key, f"deductions must not be positive, got {value}")
        return value

    def choices(self, key: str, allowed: tuple[str, ...]) -> frozenset[str] | None:
        values = self.get(key, list, None)
        if values is None:
            return None
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise self.fail(key, f"must be a non-empty list of {allowed}, got {values!r}")
        return frozenset(values)

    def window(self, key: str = "window", allow_publish_until: bool = False) -> Window:
        text = self.get(key, str)
        if allow_publish_until and text.strip() == "publish_until":
            return Window.of(None)
        match = WINDOW_PATTERN.match(text)
        if not match:
            raise self.fail(key, f"must look like '3 months' or '365 days', got {text!r}")
        n, unit = int(match.group(1)), match.group(2).rstrip("s")
        return Window.of(relativedelta(**{unit + "s": n}))

    def sub(self, key: str, index: int | None = None) -> _Reader:
        path = f"{self.path}.{key}" if self.path else key
        if index is not None:
            item = self.table[key][index]
            path = f"{path}[{index}]"
        else:
            item = self.table[key]
        if not isinstance(item, dict):
            raise self.fail(key, "must be a table")
        return _Reader(self.source, path, item)

    def items(self, key: str) -> list[_Reader]:
        values = self.get(key, list, [])
        return [self.sub(key, i) for i in range(len(values))]


def _levels(root: _Reader) -> tuple[tuple[str, int], ...]:
    out = []
    for item in root.items("levels"):
        level = item.get("level", str)
        if level not in LEVELS:
            raise item.fail("level", f"must be one of {LEVELS}")
        out.append((level, item.get("min", int)))
    if not out:
        raise root.fail("levels", "must list at least one level")
    if [m for _, m in out] != sorted((m for _, m in out), reverse=True):
        raise root.fail("levels", "must be ordered from the highest minimum score down")
    return tuple(out)


def _penalty_rules(root: _Reader) -> tuple[PenaltyRule, ...]:
    rules = []
    for item in root.items("penalty"):
        criminal = item.get("criminal_transfer", bool, None)
        severity = item.choices("severity", SEVERITIES)
        if severity is None and criminal is None:
            raise item.fail("severity", "or criminal_transfer is required to select penalties")
        rules.append(
            PenaltyRule(
                item.get("id", str),
                item.points(),
                item.window(allow_publish_until=True),
                severity,
                criminal,
            )
        )
    return tuple(rules)


def _surcharges(root: _Reader) -> tuple[Surcharge, ...]:
    out = []
    for item in root.items("surcharge"):
        low = item.get("fine_min", (int, float))
        high = item.get("fine_max", (int, float), None)
        if high is not None and high <= low:
            raise item.fail("fine_max", "must be greater than fine_min")
        out.append(
            Surcharge(
                item.get("id", str),
                item.points(),
                round(low * 100),
                None if high is None else round(high * 100),
            )
        )
    return tuple(out)


def _counted(item: _Reader, outcome: bool) -> CountedRule:
    cap = item.get("cap", int, None)
    if cap is not None and cap > 0:
        raise item.fail("cap", "must not be positive")
    return CountedRule(
        item.get("id", str),
        item.points(),
        cap,
        item.window(),
        item.get("outcome", str) if outcome else None,
    )


def _disclosure(item: _Reader) -> DisclosureRule:
    due = item.get("due", str)
    try:
        month, day = (int(p) for p in due.split("-"))
        dt.date(2001, month, day)
    except ValueError:
        raise item.fail("due", f"must be MM-DD, got {due!r}") from None
    return DisclosureRule(
        item.choices("categories", CATEGORIES) or frozenset(),
        month,
        day,
        item.get("missing_id", str),
        item.points("missing_points"),
        item.get("late_id", str),
        item.points("late_points"),
    )


def _veto(item: _Reader) -> Veto:
    when = item.get("when", str)
    if when not in VETO_KINDS:
        raise item.fail("when", f"must be one of {VETO_KINDS}")
    level = item.get("level", str)
    if level not in LEVELS:
        raise item.fail("level", f"must be one of {LEVELS}")
    ratio = item.get("over_ratio", (int, float), None)
    min_days = item.get("min_days", int, None)
    if when == "exceedance" and (min_days is None or min_days < 1 or "window" not in item.table):
        raise item.fail("min_days", "and window are required for exceedance vetoes (min_days ≥ 1)")
    return Veto(
        item.get("id", str),
        when,
        level,
        frozenset(item.get("kinds", list, [])),
        item.get("criminal_transfer", bool, None),
        item.choices("categories", CATEGORIES) or frozenset(),
        item.get("outcome", str, None),
        item.window() if "window" in item.table else None,
        None if ratio is None else float(ratio),
        min_days,
    )


def _data_gap(item: _Reader) -> DataGapRule:
    cap = item.get("cap", int, None)
    if cap is not None and cap > 0:
        raise item.fail("cap", "must not be positive")
    months = item.get("months", int)
    if not 1 <= months <= 60:
        raise item.fail("months", f"must be between 1 and 60, got {months}")
    share = item.get("min_share", (int, float))
    if not 0 < share <= 1:
        raise item.fail("min_share", f"must be in (0, 1], got {share}")
    return DataGapRule(item.get("id", str), item.points(), cap, months, float(share))


def parse_rulebook(text: str, source: str = "<string>") -> Rulebook:
    """Parse and validate a rulebook from TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(
            f"规则文件 {source} 不是有效的 TOML / rulebook {source} is not valid TOML: {exc}"
        ) from None
    root = _Reader(source, "", data)
    start, low, high = root.get("start", int), root.get("min", int), root.get("max", int)
    if not low <= start <= high:
        raise root.fail("start", f"must lie between min {low} and max {high}")
    book = Rulebook(
        name=root.get("name", str),
        version=root.get("version", str),
        effective_from=root.get("effective_from", dt.date),
        title=root.get("title", str, ""),
        start=start,
        min=low,
        max=high,
        levels=_levels(root),
        penalties=_penalty_rules(root),
        surcharges=_surcharges(root),
        inspections=tuple(_counted(i, True) for i in root.items("inspection")),
        emission=(
            EmissionRule(e.get("id", str), e.points(), e.get("cap", int, None))
            if (e := root.sub("emission") if "emission" in data else None)
            else None
        ),
        disclosure=_disclosure(root.sub("disclosure")) if "disclosure" in data else None,
        tipoff=_counted(root.sub("tipoff"), False) if "tipoff" in data else None,
        vetoes=tuple(_veto(v) for v in root.items("veto")),
        clean_years=_clean_years(root) if "clean_years" in data else None,
        exceedance=_counted(root.sub("exceedance"), False) if "exceedance" in data else None,
        data_gap=_data_gap(root.sub("data_gap")) if "data_gap" in data else None,
        pledge=_pledge(root.sub("pledge")) if "pledge" in data else None,
        temporary_report=(
            _temporary(root.sub("temporary_report")) if "temporary_report" in data else None
        ),
    )
    _check_unique_ids(root, book)
    return replace(book, titles=_titles(root, book.rule_ids))


def _titles(root: _Reader, rule_ids: list[str]) -> tuple[tuple[str, str, str], ...]:
    """``[titles]``: rule id = [zh-CN title, English title], for rules of this rulebook only
    (the shipped rulebooks title every rule; a rule without one is shown by its description)."""
    table = root.sub("titles") if "titles" in root.table else _Reader(root.source, "titles", {})
    unknown = sorted(set(table.table) - set(rule_ids))
    if unknown:
        raise root.fail("titles", f"names rules that do not exist: {', '.join(unknown)}")
    out = []
    for ident in (i for i in rule_ids if i in table.table):
        pair = table.get(ident, list)
        if len(pair) != 2 or not all(isinstance(t, str) and t.strip() for t in pair):
            raise table.fail(ident, "must be [zh-CN title, English title], both non-empty")
        out.append((ident, pair[0].strip(), pair[1].strip()))
    return tuple(out)


def _clean_years(root: _Reader) -> CleanYears:
    item = root.sub("clean_years")
    points, most = item.get("points", int), item.get("max", int)
    if points <= 0 or most <= 0:
        raise item.fail("points", "and max must be positive")
    return CleanYears(item.get("id", str), points, most)


def _pledge(item: _Reader) -> PledgeRule:
    points = item.get("points", int)
    if not 0 < points <= 10:
        raise item.fail("points", f"must be a bonus between 1 and 10, got {points}")
    return PledgeRule(item.get("id", str, "pledge.signed"), points)


def _temporary(item: _Reader) -> TemporaryReportRule:
    workdays = item.get("workdays", int, 5)
    if not 1 <= workdays <= 60:
        raise item.fail("workdays", f"must be between 1 and 60 working days, got {workdays}")
    cap = item.get("cap", int, None)
    if cap is not None and cap > 0:
        raise item.fail("cap", "must not be positive")
    return TemporaryReportRule(
        item.choices("events", TEMPORARY_EVENTS) or frozenset({"penalty"}),
        workdays,
        item.get("missing_id", str),
        item.points("missing_points"),
        item.get("late_id", str),
        item.points("late_points"),
        cap,
        item.window(),
    )


def _check_unique_ids(root: _Reader, book: Rulebook) -> None:
    ids = book.rule_ids
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise root.fail("id", f"rule ids must be unique; repeated: {', '.join(dupes)}")


def available_rulebooks(directory: Path = RULEBOOK_DIR) -> list[str]:
    """Names of the shipped rulebooks."""
    return sorted(p.stem for p in directory.glob("*.toml"))


@lru_cache(maxsize=16)
def load_rulebook(name: str, directory: Path = RULEBOOK_DIR) -> Rulebook:
    """Load ``<directory>/<name>.toml``; unknown names list the available ones."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise RulebookError(f"无效的规则名称 / invalid rulebook name {name!r}")
    path = directory / f"{name}.toml"
    if not path.is_file():
        raise RulebookError(
            f"没有名为 {name} 的规则 / no rulebook named {name!r}; available: "
            f"{', '.join(available_rulebooks(directory))}"
        )
    book = parse_rulebook(path.read_text(encoding="utf-8"), path.name)
    if book.name != name:
        raise RulebookError(
            f"规则文件 {path.name}：name = {book.name!r} 与文件名不符 / "
            f"rulebook {path.name}: name {book.name!r} differs from the file name"
        )
    return book


def active_rulebook(name: str | None = None) -> Rulebook:
    """The configured rulebook (``CREDIT_RULEBOOK``), or ``name``; parsed once per process
    (the cache is ``load_rulebook``'s)."""
    from flask import current_app

    return load_rulebook(name or str(current_app.config["CREDIT_RULEBOOK"]))
