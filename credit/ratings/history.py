"""An enterprise's rating history as a story: each stored rating (oldest first) with what
changed since the one before it — the level, the score and the line items that came or went
(the rule's title from the rulebook and the record's decision number where it has one).

Only what the stored ratings say is used: a line item that appears in a rating and not in the
previous one is an event that moved the score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.ratings.describe import Text, rule_labels, signed
from credit.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN
from credit.ratings.loader import load_rulebook
from credit.ratings.models import CreditRating
from credit.ratings.rules import RulebookError
from credit.records.models import Penalty


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One stored rating and what changed since the previous one."""

    as_of: dt.date
    level: str
    score: int
    #: score change since the previous rating (None: the first one)
    delta: int | None
    #: the previous rating's level (None: the first one)
    previous_level: str | None
    #: the line items that came (with their points) or went since the previous rating
    events: tuple[Text, ...]

    @property
    def moved(self) -> bool:
        """The level changed since the previous rating."""
        return self.previous_level is not None and self.previous_level != self.level

    @property
    def change(self) -> Text:
        """The change column of the history table, in words."""
        if self.previous_level is None:
            return Text("首次评价", "first rating")
        parts: list[Text] = []
        if self.moved:
            assert self.previous_level is not None
            parts.append(
                Text(
                    f"等级由{LEVEL_NAMES[self.previous_level]}变为{LEVEL_NAMES[self.level]}",
                    f"level changed from {LEVEL_NAMES_EN[self.previous_level]} "
                    f"to {LEVEL_NAMES_EN[self.level]}",
                )
            )
        if self.delta:
            parts.append(Text(f"得分 {signed(self.delta)}", f"score {signed(self.delta)}"))
        parts += self.events
        if not parts:
            return Text("无变化", "no change")
        return Text("；".join(p.zh for p in parts), "; ".join(p.en for p in parts))


def _key(item: dict[str, Any]) -> tuple[str, str | None, Any]:
    source = item.get("source") or {}
    return (str(item.get("rule")), source.get("type"), source.get("id"))


def _labels(versions: Iterable[str]) -> dict[str, dict[str, Text]]:
    out: dict[str, dict[str, Text]] = {}
    for version in set(versions):
        try:
            out[version] = rule_labels(load_rulebook(version.split("@", 1)[0]))
        except RulebookError:  # a rating made under a rulebook no longer shipped
            out[version] = {}
    return out


def _decision_numbers(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Penalty.id, Penalty.decision_no).where(Penalty.id.in_(ids)))
    return {ident: number for ident, number in rows}


def _event(item: dict[str, Any], label: Text, record: str, came: bool) -> Text:
    points = int(item.get("points") or 0)
    name = f" {record}" if record else ""
    if came:
        shown = f"（{signed(points)}）" if points else ""
        shown_en = f" ({signed(points)})" if points else ""
        return Text(f"新增：{label.zh}{name}{shown}", f"new: {label.en}{name}{shown_en}")
    shown = f"（不再扣 {signed(points)}）" if points else ""
    shown_en = f" ({signed(points)} no longer counts)" if points else ""
    return Text(
        f"不再计入：{label.zh}{name}{shown}", f"no longer counts: {label.en}{name}{shown_en}"
    )


def history_story(session: Session, history: Sequence[CreditRating]) -> list[HistoryPoint]:
    """The ratings oldest first, each with what changed since the one before it."""
    ratings = sorted(history, key=lambda r: (r.as_of, r.id))
    labels = _labels(r.rulebook_version for r in ratings)
    items = [[i for i in (r.explanation or []) if isinstance(i, dict)] for r in ratings]
    penalty_ids = {
        k[2] for its in items for k in map(_key, its) if k[1] == "penalty" and isinstance(k[2], int)
    }
    numbers = _decision_numbers(session, penalty_ids)
    out: list[HistoryPoint] = []
    previous: dict[tuple[str, str | None, Any], dict[str, Any]] | None = None
    for rating, its in zip(ratings, items, strict=True):
        current = {_key(i): i for i in its}
        events: list[Text] = []
        if previous is not None:
            names = labels[rating.rulebook_version]
            for key in current.keys() - previous.keys():
                events.append(
                    _event(current[key], _label(names, key[0]), _record(numbers, key), True)
                )
            for key in previous.keys() - current.keys():
                events.append(
                    _event(previous[key], _label(names, key[0]), _record(numbers, key), False)
                )
        before = out[-1] if out else None
        out.append(
            HistoryPoint(
                as_of=rating.as_of,
                level=rating.level,
                score=rating.score,
                delta=None if before is None else rating.score - before.score,
                previous_level=None if before is None else before.level,
                events=tuple(sorted(events, key=lambda t: t.zh)),
            )
        )
        previous = current
    return out


def _label(names: dict[str, Text], rule: str) -> Text:
    if rule == "adjustment":
        return Text("监管部门调整等级", "Level adjusted by the regulator")
    return names.get(rule, Text(rule, rule))


def _record(numbers: dict[int, str], key: tuple[str, str | None, Any]) -> str:
    return numbers.get(key[2], "") if key[1] == "penalty" else ""
