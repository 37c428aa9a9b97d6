"""Reference tables (GB/T 2260 regions, GB/T 4754-2017 industries) and code validators."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base
from core.errors import Invalid
from core.messages import msg

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
        return msg("统一社会信用代码应为 18 位，实际为 %(n)s 位", n=len(value))
    for pos, char in enumerate(value, start=1):
        if char not in USCC_ALPHABET:
            return msg(
                "第 %(pos)s 位字符“%(char)s”不在允许的字符集中（不含 I、O、S、V、Z）",
                pos=pos,
                char=char,
            )
    if not value[2:8].isdigit():
        return msg("第 3–8 位应为行政区划代码（6 位数字），实际为“%(got)s”", got=value[2:8])
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        return msg(
            "第 18 位校验码错误：应为“%(expected)s”，实际为“%(got)s”",
            expected=expected,
            got=value[17],
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
        return msg("排污许可证编号应为 22 位，实际为 %(n)s 位", n=len(value))
    problem = uscc_problem(value[:18])
    if problem:
        return msg(
            "排污许可证编号前 18 位应为持证单位的统一社会信用代码：%(problem)s", problem=problem
        )
    if not re.fullmatch(r"[0-9]{3}", value[18:21]):
        return msg("第 19–21 位应为 3 位数字序号，实际为“%(got)s”", got=value[18:21])
    if not ("A" <= value[21] <= "Z"):
        return msg("第 22 位应为大写字母，实际为“%(got)s”", got=value[21])
    if holder_uscc and value[:18] != holder_uscc:
        return msg(
            "排污许可证编号应以持证单位的统一社会信用代码 %(holder)s 开头，实际前 18 位为 %(got)s",
            holder=holder_uscc,
            got=value[:18],
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
        return msg("行政区划代码应为 6 位数字，实际为“%(code)s”", code=code)
    if session.get(Region, code) is not None:
        return None
    for ancestor in (code[:4] + "00", code[:2] + "0000"):
        row = session.get(Region, ancestor) if ancestor != code else None
        if row is not None:
            return msg(
                "未知的行政区划代码“%(code)s”（%(name)s %(parent)s 下没有此代码）",
                code=code,
                name=row.name,
                parent=row.code,
            )
    return msg(
        "未知的行政区划代码“%(code)s”（无此省级代码 %(province)s）",
        code=code,
        province=code[:2] + "0000",
    )


def industry_code_problem(session: Session, code: str) -> str | None:
    """Why ``code`` is not a known GB/T 4754-2017 code (e.g. C26, D4411), or None."""
    match = _INDUSTRY_RE.fullmatch(code or "")
    if not match:
        return msg(
            "行业代码应为门类字母 A–T 加 0、2、3 或 4 位数字（如 C、C26、D441、D4411），"
            "实际为“%(code)s”",
            code=code,
        )
    if session.get(Industry, code) is not None:
        return None
    if not match.group(2):
        return msg("未知的行业门类“%(code)s”", code=code)
    owner = session.scalar(
        select(Industry.parent_code).where(Industry.code.like(f"_{code[1:3]}"), Industry.level == 2)
    )
    if owner is None:
        return msg("未知的行业大类“%(code)s”", code=code[1:3])
    if owner != code[0]:
        return msg(
            "大类 %(division)s 属于门类 %(owner)s，不属于 %(section)s（应为 %(suggested)s）",
            division=code[1:3],
            owner=owner,
            section=code[0],
            suggested=owner + code[1:],
        )
    if len(code) == 4:
        return msg("大类 %(division)s 下没有中类“%(code)s”", division=code[:3], code=code)
    return msg("大类 %(division)s 下没有小类“%(code)s”", division=code[:3], code=code)


def normalize_industry_code(value: str) -> str:
    """``c26`` → ``C26``: strip and upper-case an industry code (no lookup)."""
    return (value or "").strip().upper()


def resolve_industry(session: Session, code: str) -> Industry:
    """The Industry row for ``code`` (normalised); raise Invalid naming what is wrong."""
    cleaned = normalize_industry_code(code)
    row = session.get(Industry, cleaned) if _INDUSTRY_RE.fullmatch(cleaned) else None
    if row is not None:
        return row
    problem = industry_code_problem(session, cleaned) or msg("未知的行业代码")
    raise Invalid(problem, {"industry_code": [problem]})


def resolve_region(session: Session, code: str) -> Region:
    """The Region row for ``code`` (stripped); raise Invalid naming what is wrong."""
    cleaned = (code or "").strip()
    row = session.get(Region, cleaned) if re.fullmatch(r"[0-9]{6}", cleaned) else None
    if row is not None:
        return row
    problem = region_code_problem(session, cleaned) or msg("未知的行政区划代码")
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
