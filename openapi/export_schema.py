"""The Frictionless data package of the CSV exports: Table Schemas with keys, constraints and
field descriptions (zh / en)."""

from __future__ import annotations

from typing import Any

from core.web import external_url
from credit.ratings.levels import LEVELS
from credit.ratings.loader import active_rulebook
from credit.records.models import ENTERPRISE_STATUSES, PERMIT_CATEGORIES, SEVERITIES

USCC = r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"
REGION = r"[0-9]{6}"
INDUSTRY = r"[A-T][0-9]{0,4}"

#: field → (description, constraints); one entry per CSV column of every export
FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "uscc": ("统一社会信用代码 / unified social credit code", {"pattern": USCC}),
    "name": ("企业名称 / enterprise name", {}),
    "legal_representative": ("法定代表人 / legal representative", {}),
    "region_code": ("行政区划代码（GB/T 2260） / region code", {"pattern": REGION}),
    "region_name": ("行政区划名称 / region name", {}),
    "industry_code": ("行业代码（GB/T 4754-2017） / industry code", {"pattern": INDUSTRY}),
    "industry_name": ("行业名称 / industry name", {}),
    "address": ("地址 / address", {}),
    "latitude": ("纬度（WGS-84） / latitude", {"minimum": -90, "maximum": 90}),
    "longitude": ("经度（WGS-84） / longitude", {"minimum": -180, "maximum": 180}),
    "permit_category": ("排污许可管理类别 / permit category", {"enum": list(PERMIT_CATEGORIES)}),
    "status": ("经营状态 / operating status", {"enum": list(ENTERPRISE_STATUSES)}),
    "level": ("公布的信用等级 / published credit level", {"enum": list(LEVELS)}),
    "score": ("信用得分 / credit score", {}),
    "rated_as_of": ("评价基准日 / rated as of", {}),
    "computed_level": ("规则计算的等级 / level computed by the rulebook", {"enum": list(LEVELS)}),
    "rulebook": ("评价规则及版本 / rulebook and version", {}),
    "as_of": ("评价基准日 / rated as of", {}),
    "id": ("处罚记录编号 / penalty id", {"minimum": 1}),
    "decision_no": ("行政处罚决定书文号 / decision number", {}),
    "enterprise_name": ("企业名称 / enterprise name", {}),
    "violation_type": ("违法行为类型 / violation", {}),
    "facts": ("违法事实 / facts", {}),
    "legal_basis": ("处罚依据 / legal basis", {}),
    "fine_amount": ("罚款金额（元） / fine in CNY", {"minimum": 0}),
    "confiscated_amount": ("没收违法所得金额（元） / confiscated amount in CNY", {"minimum": 0}),
    "decision_date": ("处罚决定日期 / decision date", {}),
    "authority": ("处罚机关 / deciding authority", {}),
    "severity": ("情节 / severity", {"enum": list(SEVERITIES)}),
    "publish_until": ("公示截止期 / published until", {}),
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


def table_schema(name: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
    """The Table Schema of one CSV export (its columns with their Table Schema types)."""
    primary, required, unique, foreign = KEYS[name]
    book = active_rulebook()
    out = []
    for field, kind in fields:
        description, constraints = FIELDS[field]
        constraints = dict(constraints)
        if field == "score":
            constraints.update(minimum=book.min, maximum=book.max)
        if field in required:
            constraints["required"] = True
        if field in unique:
            constraints["unique"] = True
        if "pattern" in constraints and kind != "string":
            constraints.pop("pattern")
        out.append(
            {
                "name": field,
                "type": kind,
                "description": description,
                **({"constraints": constraints} if constraints else {}),
            }
        )
    schema: dict[str, Any] = {"fields": out, "primaryKey": [primary], "missingValues": [""]}
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def data_package(resources: dict[str, list[tuple[str, str]]], seq: int) -> dict[str, Any]:
    """The descriptor: every CSV export with its Table Schema, at absolute URLs."""
    return {
        "profile": "tabular-data-package",
        "name": "envcredit",
        "title": "企业环境信用公开数据 / Enterprise environmental credit open data",
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],
        "envcredit:change_seq": seq,
        "resources": [
            {
                "name": name,
                "path": external_url("exports.Export", name=name, fmt="csv"),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(name, fields),
            }
            for name, fields in resources.items()
        ],
    }
