"""Validated import rows: row errors, import results and the lookups every kind's upsert shares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messages import msg
from core.reference import known_industries, known_regions, permit_no_problem
from credit.records import fields
from credit.records.models import Enterprise


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = fields.escaped(self.value)
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        return f"row {self.row}, column {self.column}, value '{shown}': {self.reason}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: what a kind's cross-row check remembers from one chunk to the next (e.g. the keys
    #: seen so far, so a key repeated 1,000 rows later is still a duplicate)
    seen: dict[Any, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def enterprise_ids(session: Session, usccs: Iterable[str]) -> dict[str, int]:
    wanted = {u for u in usccs if u}
    if not wanted:
        return {}
    return {
        u: i
        for u, i in session.execute(
            select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(wanted))
        )
    }


def permit_problem(values: dict[str, Any]) -> str | None:
    return permit_no_problem(values["permit_no"], values["uscc"])


def check_codes(
    session: Session, parsed: list[tuple[int, dict[str, Any]]], result: ImportResult
) -> list[tuple[int, dict[str, Any]]]:
    """Region and industry codes must exist in the reference tables."""
    regions = known_regions(session, {v["region_code"] for _, v in parsed if v["region_code"]})
    industries = known_industries(
        session, {v["industry_code"] for _, v in parsed if v["industry_code"]}
    )
    good = []
    for number, values in parsed:
        bad = False
        if values["region_code"] and values["region_code"] not in regions:
            result.errors.append(
                RowError(
                    number,
                    "region_code",
                    values["region_code"],
                    msg("未知的行政区划代码（GB/T 2260）"),
                )
            )
            bad = True
        if values["industry_code"] and values["industry_code"] not in industries:
            result.errors.append(
                RowError(
                    number,
                    "industry_code",
                    values["industry_code"],
                    msg("未知的行业代码（GB/T 4754-2017，如 C26）"),
                )
            )
            bad = True
        if not bad:
            good.append((number, values))
    return good
