"""The eight parts of the annual report (《企业环境信息依法披露管理办法》第十二条), as data.

This is the one definition of the form, its validation and the public page: each part has
its fields (key, label, kind, required) and says what the platform prefills from records it
already holds. Labels are (zh-CN, English) pairs shown with ``in_language``.

A part is *required* always, never, or — the carbon part (碳排放信息) — when the enterprise's
industry (GB/T 4754 code, by prefix) is one of ``DISCLOSURE_CARBON_INDUSTRIES`` (default: the
sectors of the national carbon market: power, cement, steel, aluminium). A required part is
complete when every required field has an answer (the emissions table: at least one row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Label = tuple[str, str]
#: field kinds: one line, several lines, a non-negative number, the emissions table
KINDS = ("text", "textarea", "number", "emissions")
#: the longest answer of one field, in characters
MAX_TEXT = 4000
#: the emissions table's rows at most
MAX_EMISSION_ROWS = 30
#: default of DISCLOSURE_CARBON_INDUSTRIES: 电力 (D44), 水泥 (C301), 钢铁 (C31), 电解铝 (C3216)
DEFAULT_CARBON_INDUSTRIES = "D44,C301,C31,C3216"


@dataclass(frozen=True)
class Field:
    key: str
    label: Label
    kind: str = "text"
    required: bool = False


@dataclass(frozen=True)
class Part:
    key: str
    title: Label
    fields: tuple[Field, ...]
    #: "always" | "never" | "carbon" (required for the configured industries)
    required: str = "always"
    #: what the platform shows in this part from its own records (frozen at submission):
    #: enterprise, permits, emissions, penalties, rating
    prefilled: tuple[str, ...] = ()


PARTS: tuple[Part, ...] = (
    Part(
        "basic",
        ("基本信息", "Basic information"),
        (
            Field("name", ("企业名称", "Enterprise name"), required=True),
            Field("legal_representative", ("法定代表人", "Legal representative"), required=True),
            Field("address", ("生产经营场所地址", "Address of operation"), required=True),
            Field(
                "business",
                ("主要产品及生产经营情况", "Main products and operations"),
                "textarea",
                required=True,
            ),
        ),
        prefilled=("enterprise",),
    ),
    Part(
        "management",
        ("环境管理信息", "Environmental management"),
        (
            Field(
                "permit_implementation",
                ("排污许可证执行情况", "Implementation of the discharge permits"),
                "textarea",
                required=True,
            ),
            Field(
                "assessment",
                ("环境影响评价及竣工环境保护验收情况", "Impact assessments and acceptance"),
                "textarea",
            ),
            Field(
                "standards",
                ("执行的污染物排放标准", "Emission standards applied"),
                "textarea",
            ),
        ),
        prefilled=("permits",),
    ),
    Part(
        "pollution",
        (
            "污染物产生、治理与排放信息",
            "Pollutant generation, treatment and emission",
        ),
        (
            Field(
                "emissions",
                ("主要污染物年度排放量（吨）", "Annual emission per pollutant (tonnes)"),
                "emissions",
                required=True,
            ),
            Field(
                "treatment",
                ("污染防治设施建设和运行情况", "Pollution control facilities and their operation"),
                "textarea",
                required=True,
            ),
        ),
        prefilled=("emissions",),
    ),
    Part(
        "carbon",
        ("碳排放信息", "Carbon emissions"),
        (
            Field(
                "carbon_tonnes",
                ("年度温室气体排放量（吨二氧化碳当量）", "Annual greenhouse gas emission (t CO₂e)"),
                "number",
                required=True,
            ),
            Field("method", ("核算方法", "Accounting method"), "textarea"),
        ),
        required="carbon",
    ),
    Part(
        "emergency",
        ("生态环境应急信息", "Environmental emergencies"),
        (
            Field(
                "plan",
                ("突发环境事件应急预案备案情况", "Filing of the emergency response plan"),
                "textarea",
                required=True,
            ),
            Field(
                "incidents",
                ("突发环境事件发生及处置情况", "Incidents and how they were handled"),
                "textarea",
            ),
        ),
    ),
    Part(
        "violations",
        ("生态环境违法信息及环境信用评价", "Violations and environmental credit evaluation"),
        (
            Field(
                "rectification",
                (
                    "违法行为整改情况（无违法行为请填“无”）",
                    "Rectification of violations (“none” if there were none)",
                ),
                "textarea",
                required=True,
            ),
        ),
        prefilled=("penalties", "rating"),
    ),
    Part(
        "temporary",
        ("临时环境信息依法披露情况", "Temporary disclosures of the year"),
        (
            Field(
                "summary",
                (
                    "本年度临时环境信息依法披露情况（无则填“无”）",
                    "Temporary disclosures of the year (“none” if there were none)",
                ),
                "textarea",
                required=True,
            ),
        ),
    ),
    Part(
        "other",
        ("法律法规规定的其他环境信息", "Other information required by law"),
        (Field("text", ("其他环境信息", "Other environmental information"), "textarea"),),
        required="never",
    ),
)
PART_KEYS = tuple(p.key for p in PARTS)


def part(key: str) -> Part:
    return next(p for p in PARTS if p.key == key)


def carbon_industries(setting: str | None) -> tuple[str, ...]:
    """The industry code prefixes of ``DISCLOSURE_CARBON_INDUSTRIES`` (comma-separated)."""
    text = DEFAULT_CARBON_INDUSTRIES if setting is None else setting
    return tuple(c.strip().upper() for c in text.split(",") if c.strip())


def is_required(p: Part, industry_code: str | None, carbon: Iterable[str]) -> bool:
    """Whether part ``p`` must be complete for an enterprise of ``industry_code``."""
    if p.required == "carbon":
        code = (industry_code or "").upper()
        return any(code.startswith(prefix) for prefix in carbon)
    return p.required == "always"
