"""Field parsers for imported rows: each returns a clean value or raises ValueError(reason)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import partial

from core.messages import msg
from core.xmltext import CONTROL_CHARACTERS, xml_text
from credit.records.models import (
    ENTERPRISE_STATUSES,
    INSPECTION_KINDS,
    INSPECTION_OUTCOMES,
    PERMIT_CATEGORIES,
    PERMIT_STATUSES,
)

PENALTY_KINDS = (
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "吊销许可证",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
)
SEVERITY = {
    "轻微": "minor",
    "一般": "general",
    "严重": "grave",
    "minor": "minor",
    "general": "general",
    "grave": "grave",
}
CATEGORY = {
    "重点管理": "key",
    "简化管理": "simplified",
    "登记管理": "registration",
    **{c: c for c in PERMIT_CATEGORIES},
}
STATUS = {
    "在营": "operating",
    "停产": "suspended",
    "关闭": "closed",
    **{s: s for s in ENTERPRISE_STATUSES},
}
BOOLEAN = {
    "true": True,
    "false": False,
    "是": True,
    "否": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
}
_DATE = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def plain(value: str) -> str:
    """``value`` unchanged if it is plain text; every column of every kind passes here first.

    Control characters other than TAB, LF and CR (U+000B pasted from Word, NUL, ESC, C1
    controls) and what no text can hold (lone surrogates, U+FFFE, U+FFFF) are refused: they
    would break XML outputs (Atom, Open311) or the database, and no real value needs them.
    """
    if found := CONTROL_CHARACTERS.findall(value):
        shown = ", ".join(dict.fromkeys(escaped(c) for c in found))
        raise ValueError(msg("含有控制字符 %(shown)s", shown=shown))
    if xml_text(value) != value:
        shown = ", ".join(dict.fromkeys(escaped(c) for c in value if not xml_text(c)))
        raise ValueError(msg("含有无效字符 %(shown)s", shown=shown))
    return value


def escaped(value: str) -> str:
    """``value`` for an error message: characters ``plain`` refuses as ``\\x0b``, ``\\ud800``."""
    if xml_text(value) == value and not CONTROL_CHARACTERS.search(value):
        return value
    return "".join(
        c.encode("unicode_escape").decode("ascii")
        if CONTROL_CHARACTERS.match(c) or not xml_text(c)
        else c
        for c in value
    )


def text(value: str, max_len: int) -> str:
    if len(value) > max_len:
        raise ValueError(msg("超过 %(n)s 个字符", n=max_len))
    return value


def date(value: str) -> dt.date:
    value = value.strip().split(" ")[0].split("T")[0]
    for pattern in _DATE:
        if match := pattern.match(value):
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                raise ValueError(msg("不存在的日期")) from None
    raise ValueError(msg("日期格式应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYY年M月D日"))


def decimal(
    value: str, low: Decimal | None = None, high: Decimal | None = None, places: int = 4
) -> Decimal:
    try:
        number = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(msg("不是数字")) from None
    if not number.is_finite():
        raise ValueError(msg("不是有限数字"))
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(msg("应在 %(low)s 到 %(high)s 之间", low=low, high=high))
    if -number.as_tuple().exponent > places:  # type: ignore[operator]  # finite: an int exponent
        raise ValueError(msg("最多 %(n)s 位小数", n=places))
    return number


def money_fen(value: str, unit: Decimal = Decimal(1)) -> int:
    """CNY (or 万元 with unit 10000) to integer fen, exactly."""
    amount = decimal(value, Decimal(0), None, places=6) * unit * 100
    if amount != amount.to_integral_value():
        raise ValueError(msg("金额最多精确到分"))
    return int(amount)


def choice(value: str, mapping: Mapping[str, object], label: str) -> object:
    key = value.strip()
    if key in mapping:
        return mapping[key]
    if key.lower() in mapping:
        return mapping[key.lower()]
    options = "|".join(dict.fromkeys(str(k) for k in mapping))
    raise ValueError(msg("%(label)s须为 %(options)s 之一", label=label, options=options))


def kinds(value: str) -> str:
    parts = [p.strip() for p in re.split(r"[;；,，、]", value) if p.strip()]
    if not parts:
        raise ValueError(msg("至少一个处罚类别"))
    bad = [p for p in parts if p not in PENALTY_KINDS]
    if bad:
        raise ValueError(
            msg(
                "未知处罚类别 %(bad)s，可用：%(allowed)s",
                bad="、".join(bad),
                allowed="、".join(PENALTY_KINDS),
            )
        )
    return ";".join(dict.fromkeys(parts))


def pairs(
    value: str,
    key: Callable[[str], str],
    amount: Callable[[str], Decimal],
    form: Callable[[str], object],
) -> dict[str, Decimal]:
    """``A=1;B=2`` (also ``；``) → {key(A): amount(1), …}; ``form(part)`` is the reason given
    for a part without ``=``."""
    out: dict[str, Decimal] = {}
    for part in re.split(r"[;；]", value):
        if not part.strip():
            continue
        name, sep, number = part.partition("=")
        if not sep or not name.strip():
            raise ValueError(form(part))
        out[key(name.strip())] = amount(number)
    return out


def limits(value: str) -> dict[str, Decimal]:
    """``SO2=12.5;NOx=30`` → {pollutant: tonnes per year}."""
    return pairs(
        value,
        partial(text, max_len=32),
        partial(decimal, low=Decimal(0), high=Decimal("1e9")),
        lambda part: msg("“%(part)s”应写作 污染物=吨数，如 SO2=12.5", part=part),
    )


LOOKUPS = {
    "inspection_kind": {k: k for k in INSPECTION_KINDS}
    | {
        "日常检查": "routine",
        "双随机抽查": "random",
        "举报核查": "complaint",
        "专项检查": "special",
    },
    "outcome": {o: o for o in INSPECTION_OUTCOMES},
    "permit_status": {s: s for s in PERMIT_STATUSES} | {"有效": "valid", "撤销": "revoked"},
}
