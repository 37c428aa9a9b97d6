"""The one definition of every export column: its meaning in Chinese and English, unit,
constraints (allowed values) and source; the Table Schemas of the exports, the open-data
releases' data packages and the data dictionary are all generated from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from credit.ratings.levels import LEVELS
from credit.ratings.loader import active_rulebook
from credit.records.models import ENTERPRISE_STATUSES, PERMIT_CATEGORIES, SEVERITIES

USCC = r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"
REGION = r"[0-9]{6}"
INDUSTRY = r"[A-T][0-9]{0,4}"


@dataclass(frozen=True)
class Column:
    """One export column: meaning (zh-CN, English), unit, constraints and source."""

    zh: str
    en: str
    #: where the value comes from: the table and column, or the rule that derives it
    source: str
    unit: str = ""
    constraints: dict[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str:
        """ "中文 / English" as the Table Schemas carry it, with the unit."""
        return f"{self.zh} / {self.en}" + (f" ({self.unit})" if self.unit else "")


_YUAN = "CNY"
#: column → its definition; one entry per CSV column of every export
COLUMNS: dict[str, Column] = {
    "uscc": Column(
        "统一社会信用代码",
        "unified social credit code",
        "enterprises.uscc",
        constraints={"pattern": USCC},
    ),
    "name": Column("企业名称", "enterprise name", "enterprises.name"),
    "legal_representative": Column(
        "法定代表人", "legal representative", "enterprises.legal_representative"
    ),
    "region_code": Column(
        "行政区划代码（GB/T 2260）",
        "region code (GB/T 2260)",
        "enterprises.region_code",
        constraints={"pattern": REGION},
    ),
    "region_name": Column("行政区划名称", "region name", "regions.name (GB/T 2260)"),
    "industry_code": Column(
        "行业代码（GB/T 4754-2017）",
        "industry code (GB/T 4754-2017)",
        "enterprises.industry_code",
        constraints={"pattern": INDUSTRY},
    ),
    "industry_name": Column("行业名称", "industry name", "industries.name (GB/T 4754-2017)"),
    "address": Column("地址", "address", "enterprises.address"),
    "latitude": Column(
        "纬度（WGS-84）",
        "latitude (WGS-84)",
        "enterprises.latitude",
        "°",
        {"minimum": -90, "maximum": 90},
    ),
    "longitude": Column(
        "经度（WGS-84）",
        "longitude (WGS-84)",
        "enterprises.longitude",
        "°",
        {"minimum": -180, "maximum": 180},
    ),
    "permit_category": Column(
        "排污许可管理类别",
        "permit category",
        "enterprises.permit_category",
        constraints={"enum": list(PERMIT_CATEGORIES)},
    ),
    "status": Column(
        "经营状态",
        "operating status",
        "enterprises.status",
        constraints={"enum": list(ENTERPRISE_STATUSES)},
    ),
    "level": Column(
        "公布的信用等级",
        "published credit level",
        "credit_ratings.level (current rating, after approved adjustments)",
        constraints={"enum": list(LEVELS)},
    ),
    "score": Column("信用得分", "credit score", "credit_ratings.score (the rulebook)"),
    "rated_as_of": Column("评价基准日", "rated as of", "credit_ratings.as_of"),
    "computed_level": Column(
        "规则计算的等级",
        "level computed by the rulebook",
        "credit_ratings.computed_level",
        constraints={"enum": list(LEVELS)},
    ),
    "rulebook": Column(
        "评价规则及版本", "rulebook and version", "credit_ratings.rulebook_version (name@version)"
    ),
    "as_of": Column("评价基准日", "rated as of", "credit_ratings.as_of"),
    "id": Column("处罚记录编号", "penalty id", "penalties.id", constraints={"minimum": 1}),
    "decision_no": Column("行政处罚决定书文号", "decision number", "penalties.decision_no"),
    "enterprise_name": Column("企业名称", "enterprise name", "enterprises.name"),
    "violation_type": Column("违法行为类型", "violation", "penalties.violation_type"),
    "facts": Column("违法事实", "facts", "penalties.facts"),
    "legal_basis": Column("处罚依据", "legal basis", "penalties.legal_basis"),
    "fine_amount": Column(
        "罚款金额", "fine", "penalties.fine_amount_fen / 100", _YUAN, {"minimum": 0}
    ),
    "confiscated_amount": Column(
        "没收违法所得金额",
        "confiscated amount",
        "penalties.confiscated_amount_fen / 100",
        _YUAN,
        {"minimum": 0},
    ),
    "decision_date": Column("处罚决定日期", "decision date", "penalties.decision_date"),
    "authority": Column("处罚机关", "deciding authority", "penalties.authority"),
    "severity": Column(
        "情节", "severity", "penalties.severity", constraints={"enum": list(SEVERITIES)}
    ),
    "publish_until": Column(
        "公示截止期", "published until", "penalties.publish_until (the publication rule)"
    ),
}
#: export → (primary key, required fields, unique fields, foreign keys)
KEYS: dict[str, tuple[str, set[str], set[str], list[dict[str, Any]]]] = {
    "enterprises": (
        "uscc",
        {"uscc", "name", "region_code", "industry_code", "status"},
        {"uscc"},
        [],
    ),
    "ratings": (
        "uscc",
        {"uscc", "score", "level", "computed_level", "rulebook", "as_of"},
        {"uscc"},
        [{"fields": ["uscc"], "reference": {"resource": "enterprises", "fields": ["uscc"]}}],
    ),
    "penalties": (
        "id",
        {
            "id",
            "decision_no",
            "uscc",
            "enterprise_name",
            "decision_date",
            "authority",
            "severity",
            "fine_amount",
            "confiscated_amount",
            "publish_until",
        },
        {"id", "decision_no"},
        [{"fields": ["uscc"], "reference": {"resource": "enterprises", "fields": ["uscc"]}}],
    ),
}


def field_constraints(name: str, field_name: str, kind: str) -> dict[str, Any]:
    """The Table Schema constraints of one column of one export (the score's range is the
    active rulebook's)."""
    _primary, required, unique, _foreign = KEYS[name]
    constraints = dict(COLUMNS[field_name].constraints)
    if field_name == "score":
        book = active_rulebook()
        constraints.update(minimum=book.min, maximum=book.max)
    if field_name in required:
        constraints["required"] = True
    if field_name in unique:
        constraints["unique"] = True
    if "pattern" in constraints and kind != "string":
        constraints.pop("pattern")
    return constraints


def table_schema(name: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
    """The Table Schema of one CSV export (its columns with their Table Schema types)."""
    primary, _required, _unique, foreign = KEYS[name]
    out = []
    for field_name, kind in fields:
        constraints = field_constraints(name, field_name, kind)
        out.append(
            {
                "name": field_name,
                "type": kind,
                "description": COLUMNS[field_name].description,
                **({"constraints": constraints} if constraints else {}),
            }
        )
    schema: dict[str, Any] = {"fields": out, "primaryKey": [primary], "missingValues": [""]}
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
TITLE = "企业环境信用公开数据 / Enterprise environmental credit open data"
