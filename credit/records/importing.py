"""Writing the credit file: validate rows of any kind and upsert them by natural key.

Shared by `flask records import` and `POST /api/v1/records/{kind}`. Functions flush and
never commit; a row error means the caller rolls back (all-or-nothing). A change-log row
is written only for records that actually changed, so re-importing a file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.reference import (
    known_industries,
    known_regions,
    normalize_industry_code,
    permit_no_problem,
    uscc_problem,
)
from credit.records import fields
from credit.records.models import Enterprise

KINDS = ("enterprises", "permits", "inspections", "penalties", "disclosures", "emissions")
CHUNK = 1000
RATIO = partial(fields.decimal, low=Decimal(0), high=Decimal(1))


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

    @property
    def ok(self) -> bool:
        return not self.errors


#: kind → [(column, required, parser)]; parsers take the stripped string
SPECS: dict[str, list[tuple[str, bool, Callable[[str], Any]]]] = {
    "enterprises": [
        ("uscc", True, str.upper), ("name", True, partial(fields.text, max_len=200)),
        ("legal_representative", False, partial(fields.text, max_len=100)),
        ("region_code", True, partial(fields.text, max_len=6)),
        ("industry_code", True, normalize_industry_code),
        ("address", False, partial(fields.text, max_len=300)),
        ("latitude", False, partial(fields.decimal, low=Decimal(-90), high=Decimal(90), places=6)),
        ("longitude", False, partial(fields.decimal, low=Decimal(-180), high=Decimal(180), places=6)),
        ("permit_category", False, partial(fields.choice, mapping=fields.CATEGORY, label="管理类别")),
        ("status", False, partial(fields.choice, mapping=fields.STATUS, label="状态"))],
    "permits": [
        ("permit_no", True, str.upper), ("uscc", True, str.upper),
        ("category", True, partial(fields.choice, mapping=fields.CATEGORY, label="管理类别")),
        ("valid_from", True, fields.date), ("valid_until", True, fields.date),
        ("status", False, partial(fields.choice, mapping=fields.LOOKUPS["permit_status"], label="状态")),
        ("revoked_at", False, fields.date), ("limits", False, fields.limits)],
    "inspections": [
        ("ref", False, partial(fields.text, max_len=64)), ("uscc", True, str.upper),
        ("date", True, fields.date), ("agency", True, partial(fields.text, max_len=200)),
        ("kind", True, partial(fields.choice, mapping=fields.LOOKUPS["inspection_kind"], label="类型")),
        ("outcome", True, partial(fields.choice, mapping=fields.LOOKUPS["outcome"], label="结果")),
        ("findings", False, partial(fields.text, max_len=4000))],
    "penalties": [
        ("decision_no", True, partial(fields.text, max_len=100)), ("uscc", True, str.upper),
        ("violation_type", True, partial(fields.text, max_len=200)),
        ("facts", True, partial(fields.text, max_len=20000)),
        ("legal_basis", True, partial(fields.text, max_len=4000)),
        ("penalty_kinds", True, fields.kinds), ("content", False, partial(fields.text, max_len=4000)),
        ("fine_amount", False, fields.money_fen), ("confiscated_amount", False, fields.money_fen),
        ("licence_affected", False, partial(fields.text, max_len=300)),
        ("decision_date", True, fields.date), ("authority", True, partial(fields.text, max_len=200)),
        ("authority_uscc", False, str.upper),
        ("data_source", False, partial(fields.text, max_len=200)),
        ("data_source_uscc", False, str.upper),
        ("severity", True, partial(fields.choice, mapping=fields.SEVERITY, label="严重程度")),
        ("criminal_transfer", False, partial(fields.choice, mapping=fields.BOOLEAN, label="移送")),
        ("publish_until", False, fields.date), ("revoked_at", False, fields.date),
        ("remarks", False, partial(fields.text, max_len=4000))],
    "disclosures": [
        ("uscc", True, str.upper),
        ("year", True, lambda v: int(fields.decimal(v, Decimal(1990), Decimal(2100), 0))),
        ("submitted_at", True, fields.date), ("url", False, partial(fields.text, max_len=2000))],
    "emissions": [
        ("uscc", True, str.upper),
        ("year", True, lambda v: int(fields.decimal(v, Decimal(1990), Decimal(2100), 0))),
        ("pollutant", True, partial(fields.text, max_len=32)),
        ("generated_tonnes", True, partial(fields.decimal, low=Decimal(0), high=Decimal("1e11"))),
        ("removal_efficiency", True, RATIO), ("operating_rate", True, RATIO)],
}
FORBIDDEN = {"emissions": ("emitted", "emitted_tonnes")}
EMITTED_REASON = ("排放量由产生量、治理效率和运行率计算，不能导入 / emitted is computed as "
                  "G × (1 − η × k), never imported")


def parse_row(kind: str, number: int, row: dict[str, Any]
              ) -> tuple[dict[str, Any], list[RowError]]:
    """Clean values of one row, or its errors (one per bad column)."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in FORBIDDEN.get(kind, ()):
        if str(row.get(column) or "").strip():
            errors.append(RowError(number, column, str(row[column]), EMITTED_REASON))
    for column, required, parser in SPECS[kind]:
        raw = row.get(column)
        raw = "" if raw is None else str(raw)
        try:
            raw = fields.plain(raw).strip()
        except ValueError as exc:
            errors.append(RowError(number, column, raw, str(exc)))
            continue
        if not raw:
            if required:
                errors.append(RowError(number, column, "", "必填 / required"))
            values[column] = None
            continue
        try:
            values[column] = parser(raw)
        except ValueError as exc:
            errors.append(RowError(number, column, raw, str(exc)))
    for column in ("uscc", "authority_uscc", "data_source_uscc"):
        if values.get(column) and (problem := uscc_problem(values[column])):
            errors.append(RowError(number, column, values[column], problem))
    return values, errors


def chunks(rows: Iterable[tuple[int, dict[str, Any]]], size: int = CHUNK
           ) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_rows(session: Session, kind: str, rows: Iterable[tuple[int, dict[str, Any]]],
                advance: Callable[[int], None] | None = None) -> ImportResult:
    """Validate and upsert every row; on any error the caller must roll back."""
    from credit.records.upserts import UPSERTS

    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    result = ImportResult()
    for batch in chunks(rows):
        parsed, failed = [], set()
        for number, row in batch:
            values, errors = parse_row(kind, number, row)
            result.errors += errors
            parsed.append((number, values))
            if errors:
                failed.add(number)
        if kind == "enterprises":  # code errors are reported even for rows with other errors
            before = len(result.errors)
            parsed = check_codes(session, parsed, result)
            failed |= {e.row for e in result.errors[before:]}
        UPSERTS[kind](session, [(n, v) for n, v in parsed if n not in failed], result)
        if advance:
            advance(len(batch))
    return result


def enterprise_ids(session: Session, usccs: Iterable[str]) -> dict[str, int]:
    wanted = {u for u in usccs if u}
    if not wanted:
        return {}
    return {u: i for u, i in session.execute(select(Enterprise.uscc, Enterprise.id)
                                             .where(Enterprise.uscc.in_(wanted)))}


def check_codes(session: Session, parsed: list[tuple[int, dict[str, Any]]],
                result: ImportResult) -> list[tuple[int, dict[str, Any]]]:
    """Region and industry codes must exist in the reference tables."""
    regions = known_regions(session, {v["region_code"] for _, v in parsed if v["region_code"]})
    industries = known_industries(session, {v["industry_code"] for _, v in parsed
                                            if v["industry_code"]})
    good = []
    for number, values in parsed:
        bad = False
        if values["region_code"] and values["region_code"] not in regions:
            result.errors.append(RowError(number, "region_code", values["region_code"],
                                          "未知的行政区划代码 (GB/T 2260) / unknown region code"))
            bad = True
        if values["industry_code"] and values["industry_code"] not in industries:
            result.errors.append(RowError(number, "industry_code", values["industry_code"],
                                          "未知的行业代码 (GB/T 4754-2017, 如 C26) / unknown "
                                          "industry code (e.g. C26)"))
            bad = True
        if not bad:
            good.append((number, values))
    return good


def permit_problem(values: dict[str, Any]) -> str | None:
    return permit_no_problem(values["permit_no"], values["uscc"])
