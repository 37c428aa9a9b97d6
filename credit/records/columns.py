"""The columns of each importable kind and the parsing of one row against them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from core.messages import msg
from core.reference import (
    normalize_industry_code,
    uscc_problem,
)
from credit.monitoring import columns as monitoring_columns
from credit.places.crs import CRS_NAMES
from credit.records import fields
from credit.records.rows import RowError
from credit.sources.columns import COLUMNS as SOURCE_COLUMNS

CRS_CHOICES = {name: name for name in CRS_NAMES}
RATIO = partial(fields.decimal, low=Decimal(0), high=Decimal(1))


#: kind → [(column, required, parser)]; parsers take the stripped string
SPECS: dict[str, list[tuple[str, bool, Callable[[str], Any]]]] = {
    "enterprises": [
        ("uscc", True, str.upper),
        ("name", True, partial(fields.text, max_len=200)),
        ("legal_representative", False, partial(fields.text, max_len=100)),
        # optional when the coordinates place the row (credit.places.imports)
        ("region_code", False, partial(fields.text, max_len=6)),
        ("industry_code", True, normalize_industry_code),
        ("address", False, partial(fields.text, max_len=300)),
        ("latitude", False, partial(fields.decimal, low=Decimal(-90), high=Decimal(90), places=6)),
        (
            "longitude",
            False,
            partial(fields.decimal, low=Decimal(-180), high=Decimal(180), places=6),
        ),
        # the coordinates' CRS: wgs84 (default) or gcj02; they are stored as WGS-84
        ("crs", False, partial(fields.choice, mapping=CRS_CHOICES, label=msg("坐标系"))),
        (
            "permit_category",
            False,
            partial(fields.choice, mapping=fields.CATEGORY, label=msg("管理类别")),
        ),
        ("status", False, partial(fields.choice, mapping=fields.STATUS, label=msg("状态"))),
    ],
    "permits": [
        ("permit_no", True, str.upper),
        ("uscc", True, str.upper),
        ("category", True, partial(fields.choice, mapping=fields.CATEGORY, label=msg("管理类别"))),
        ("valid_from", True, fields.date),
        ("valid_until", True, fields.date),
        (
            "status",
            False,
            partial(fields.choice, mapping=fields.LOOKUPS["permit_status"], label=msg("状态")),
        ),
        ("revoked_at", False, fields.date),
        ("limits", False, fields.limits),
    ],
    "inspections": [
        ("ref", False, partial(fields.text, max_len=64)),
        ("uscc", True, str.upper),
        ("date", True, fields.date),
        ("agency", True, partial(fields.text, max_len=200)),
        (
            "kind",
            True,
            partial(fields.choice, mapping=fields.LOOKUPS["inspection_kind"], label=msg("类型")),
        ),
        (
            "outcome",
            True,
            partial(fields.choice, mapping=fields.LOOKUPS["outcome"], label=msg("结果")),
        ),
        ("findings", False, partial(fields.text, max_len=4000)),
    ],
    "penalties": [
        ("decision_no", True, partial(fields.text, max_len=100)),
        ("uscc", True, str.upper),
        ("violation_type", True, partial(fields.text, max_len=200)),
        ("facts", True, partial(fields.text, max_len=20000)),
        ("legal_basis", True, partial(fields.text, max_len=4000)),
        ("penalty_kinds", True, fields.kinds),
        ("content", False, partial(fields.text, max_len=4000)),
        ("fine_amount", False, fields.money_fen),
        ("confiscated_amount", False, fields.money_fen),
        ("licence_affected", False, partial(fields.text, max_len=300)),
        ("decision_date", True, fields.date),
        ("authority", True, partial(fields.text, max_len=200)),
        ("authority_uscc", False, str.upper),
        ("data_source", False, partial(fields.text, max_len=200)),
        ("data_source_uscc", False, str.upper),
        ("severity", True, partial(fields.choice, mapping=fields.SEVERITY, label=msg("严重程度"))),
        (
            "criminal_transfer",
            False,
            partial(fields.choice, mapping=fields.BOOLEAN, label=msg("移送")),
        ),
        ("publish_until", False, fields.date),
        ("revoked_at", False, fields.date),
        ("remarks", False, partial(fields.text, max_len=4000)),
    ],
    "disclosures": [
        ("uscc", True, str.upper),
        ("year", True, lambda v: int(fields.decimal(v, Decimal(1990), Decimal(2100), 0))),
        ("submitted_at", True, fields.date),
        ("url", False, partial(fields.text, max_len=2000)),
    ],
    "obligations": [
        ("uscc", True, str.upper),
        ("year", True, lambda v: int(fields.decimal(v, Decimal(1990), Decimal(2100), 0))),
    ],
    "emissions": [
        ("uscc", True, str.upper),
        ("year", True, lambda v: int(fields.decimal(v, Decimal(1990), Decimal(2100), 0))),
        ("pollutant", True, partial(fields.text, max_len=32)),
        ("generated_tonnes", True, partial(fields.decimal, low=Decimal(0), high=Decimal("1e11"))),
        ("removal_efficiency", True, RATIO),
        ("operating_rate", True, RATIO),
    ],
    "sources": SOURCE_COLUMNS,
    "stations": monitoring_columns.STATIONS,
    "outlets": monitoring_columns.OUTLETS,
    "readings": monitoring_columns.READINGS,
}


FORBIDDEN = {"emissions": ("emitted", "emitted_tonnes")}


EMITTED_REASON = msg("排放量由产生量、治理效率和运行率计算，不能导入")


def parse_row(kind: str, number: int, row: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
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
                errors.append(RowError(number, column, "", msg("必填")))
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
