"""Reference tables (GB/T 2260 regions, GB/T 4754-2017 industries) and code validators."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base
from core.errors import Invalid

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_INDUSTRY_RE = re.compile(r"^([A-T])([0-9]{2,4})?$")
_IN_CHUNK = 500


class Region(Base):
    """A GB/T 2260 administrative division (province, prefecture or county)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("regions.code"))
    #: 1 province, 2 prefecture, 3 county
    level: Mapped[int] = mapped_column(Integer)


class Industry(Base):
    """A GB/T 4754-2017 category: section (C), division (C26), group (C261), class (C2611)."""

    __tablename__ = "industries"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(String(5), ForeignKey("industries.code"))
    #: 1 section, 2 division, 3 group, 4 class
    level: Mapped[int] = mapped_column(Integer)


def region_prefix(code: str) -> str:
    """The prefix shared by every code inside ``code``: 620000 → 62, 620100 → 6201."""
    code = str(code)
    while code.endswith("00"):
        code = code[:-2]
    return code


def uscc_check_char(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """Why ``value`` (already upper-cased) is not a valid USCC, or None if it is."""
    if len(value) != 18:
        return (
            f"统一社会信用代码应为 18 位，实际为 {len(value)} 位 / "
            f"a USCC has 18 characters, this has {len(value)}"
        )
    for pos, char in enumerate(value, start=1):
        if char not in USCC_ALPHABET:
            return (
                f"第 {pos} 位字符“{char}”不在允许的字符集中（不含 I、O、S、V、Z） / "
                f"character {pos} ({char!r}) is not allowed (the alphabet excludes I O S V Z)"
            )
    if not value[2:8].isdigit():
        return (
            f"第 3–8 位应为行政区划代码（6 位数字），实际为“{value[2:8]}” / "
            f"characters 3-8 must be a 6-digit region code, got {value[2:8]!r}"
        )
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        return (
            f"第 18 位校验码错误：应为“{expected}”，实际为“{value[17]}” / "
            f"check character (position 18) is wrong: expected {expected!r}, "
            f"got {value[17]!r}"
        )
    return None


def normalize_uscc(value: str) -> str:
    """Validate a USCC and return it upper-cased; raise Invalid naming what is wrong."""
    cleaned = (value or "").strip().upper()
    problem = uscc_problem(cleaned)
    if problem:
        raise Invalid(problem, {"uscc": [problem]})
    return cleaned


def permit_no_problem(value: str, holder_uscc: str | None = None) -> str | None:
    """Why ``value`` is not a valid HJ 608-2017 permit number (22 chars), or None."""
    if len(value) != 22:
        return (
            f"排污许可证编号应为 22 位，实际为 {len(value)} 位 / "
            f"a permit number has 22 characters, this has {len(value)}"
        )
    problem = uscc_problem(value[:18])
    if problem:
        cn, _, en = problem.partition(" / ")
        return (
            f"排污许可证编号前 18 位应为持证单位的统一社会信用代码：{cn} / "
            f"the first 18 characters of a permit number are the holder's USCC: {en}"
        )
    if not re.fullmatch(r"[0-9]{3}", value[18:21]):
        return (
            f"第 19–21 位应为 3 位数字序号，实际为“{value[18:21]}” / "
            f"characters 19-21 must be a 3-digit sequence, got {value[18:21]!r}"
        )
    if not ("A" <= value[21] <= "Z"):
        return (
            f"第 22 位应为大写字母，实际为“{value[21]}” / "
            f"character 22 must be a letter, got {value[21]!r}"
        )
    if holder_uscc and value[:18] != holder_uscc:
        return (
            f"排污许可证编号应以持证单位的统一社会信用代码 {holder_uscc} 开头，"
            f"实际前 18 位为 {value[:18]} / a permit number starts with its holder's "
            f"USCC {holder_uscc}, this one starts with {value[:18]}"
        )
    return None


def normalize_permit_no(value: str, holder_uscc: str | None = None) -> str:
    """Validate a permit number and return it upper-cased; raise Invalid otherwise."""
    cleaned = (value or "").strip().upper()
    problem = permit_no_problem(cleaned, holder_uscc)
    if problem:
        raise Invalid(problem, {"permit_no": [problem]})
    return cleaned


def region_code_problem(session: Session, code: str) -> str | None:
    """Why ``code`` is not a known GB/T 2260 code, or None."""
    if not re.fullmatch(r"[0-9]{6}", code or ""):
        return (
            f"行政区划代码应为 6 位数字，实际为“{code}” / a region code has 6 digits, got {code!r}"
        )
    if session.get(Region, code) is not None:
        return None
    for ancestor in (code[:4] + "00", code[:2] + "0000"):
        row = session.get(Region, ancestor) if ancestor != code else None
        if row is not None:
            return (
                f"未知的行政区划代码“{code}”（{row.name} {row.code} 下没有此代码） / "
                f"unknown region code {code!r} (no such division in {row.code})"
            )
    return (
        f"未知的行政区划代码“{code}”（无此省级代码 {code[:2]}0000） / "
        f"unknown region code {code!r} (no province {code[:2]}0000)"
    )


def industry_code_problem(session: Session, code: str) -> str | None:
    """Why ``code`` is not a known GB/T 4754-2017 code (e.g. C26, D4411), or None."""
    match = _INDUSTRY_RE.fullmatch(code or "")
    if not match:
        return (
            f"行业代码应为门类字母 A–T 加 0、2、3 或 4 位数字（如 C、C26、D441、D4411），"
            f"实际为“{code}” / an industry code is a section letter A-T plus 0, 2, 3 or 4 "
            f"digits (C, C26, D441, D4411), got {code!r}"
        )
    if session.get(Industry, code) is not None:
        return None
    if not match.group(2):
        return f"未知的行业门类“{code}” / unknown industry section {code!r}"
    owner = session.scalar(
        select(Industry.parent_code).where(Industry.code.like(f"_{code[1:3]}"), Industry.level == 2)
    )
    if owner is None:
        return f"未知的行业大类“{code[1:3]}” / unknown industry division {code[1:3]!r}"
    if owner != code[0]:
        return (
            f"大类 {code[1:3]} 属于门类 {owner}，不属于 {code[0]}（应为 {owner}{code[1:]}） / "
            f"division {code[1:3]} belongs to section {owner}, not {code[0]} "
            f"(did you mean {owner}{code[1:]}?)"
        )
    kind = ("中类", "group") if len(code) == 4 else ("小类", "class")
    return (
        f"大类 {code[:3]} 下没有{kind[0]}“{code}” / division {code[:3]} has no {kind[1]} {code!r}"
    )


def normalize_industry_code(value: str) -> str:
    """``c26`` → ``C26``: strip and upper-case an industry code (no lookup)."""
    return (value or "").strip().upper()


def resolve_industry(session: Session, code: str) -> Industry:
    """The Industry row for ``code`` (normalised); raise Invalid naming what is wrong."""
    cleaned = normalize_industry_code(code)
    row = session.get(Industry, cleaned) if _INDUSTRY_RE.fullmatch(cleaned) else None
    if row is not None:
        return row
    problem = industry_code_problem(session, cleaned) or "未知的行业代码 / unknown industry code"
    raise Invalid(problem, {"industry_code": [problem]})


def resolve_region(session: Session, code: str) -> Region:
    """The Region row for ``code`` (stripped); raise Invalid naming what is wrong."""
    cleaned = (code or "").strip()
    row = session.get(Region, cleaned) if re.fullmatch(r"[0-9]{6}", cleaned) else None
    if row is not None:
        return row
    problem = region_code_problem(session, cleaned) or "未知的行政区划代码 / unknown region code"
    raise Invalid(problem, {"region_code": [problem]})


def region_name(session: Session, code: str) -> str | None:
    """The name of region ``code`` (620100 → 兰州市), or None if unknown."""
    row = session.get(Region, code)
    return row.name if row is not None else None


def industry_name(session: Session, code: str) -> str | None:
    """The name of industry ``code`` (C26 → 化学原料和化学制品制造业), or None if unknown."""
    row = session.get(Industry, code)
    return row.name if row is not None else None


def region_path(session: Session, code: str) -> list[Region]:
    """The chain province → prefecture → county ending at ``code`` (empty if unknown)."""
    chain: list[Region] = []
    row = session.get(Region, code)
    while row is not None:
        chain.append(row)
        row = session.get(Region, row.parent_code) if row.parent_code else None
    return chain[::-1]


def industry_path(session: Session, code: str) -> list[Industry]:
    """The chain section → division → group → class ending at ``code`` (empty if unknown)."""
    chain: list[Industry] = []
    row = session.get(Industry, code)
    while row is not None:
        chain.append(row)
        row = session.get(Industry, row.parent_code) if row.parent_code else None
    return chain[::-1]


def _known(session: Session, column: Any, codes: Iterable[str]) -> set[str]:
    wanted = sorted({c for c in codes if c})
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        found.update(
            session.scalars(select(column).where(column.in_(wanted[start : start + _IN_CHUNK])))
        )
    return found


def known_regions(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` are known region codes (one query per 500 codes)."""
    return _known(session, Region.code, codes)


def known_industries(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` are known industry codes (one query per 500 codes)."""
    return _known(session, Industry.code, codes)
