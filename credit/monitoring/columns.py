"""The monitoring network's import formats (`records import --kind stations|outlets|readings`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from core.clock import CHINA
from core.messages import msg
from credit.monitoring.models import FLAGS, OUTLET_KINDS, STATION_KIND_NAMES, STATION_KINDS
from credit.places.crs import CRS_NAMES
from credit.records import fields

#: an HJ 212-2017 pollutant code (附录 B), e.g. a21026 (SO2), a34004 (PM2.5), w01018 (COD)
POLLUTANT = re.compile(r"^[a-z][0-9a-z]{5}$")
MN = re.compile(r"^[0-9A-Za-z]{1,24}$")
STATION_KIND_CHOICES = {
    **{k: k for k in STATION_KINDS},
    **{v: k for k, v in STATION_KIND_NAMES.items()},
}
OUTLET_KIND_CHOICES = {k: k for k in OUTLET_KINDS} | {"废气": "gas", "废水": "water"}
HOUR = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):00(?::00)?$")


def mn(value: str) -> str:
    """A device MN: 1–24 letters and digits (HJ 212 gives it 24 characters at most)."""
    if not MN.match(value):
        raise ValueError(msg("设备 MN 应为 1 到 24 位字母或数字"))
    return value


def pollutant(value: str) -> str:
    code = value.strip().lower()
    if not POLLUTANT.match(code):
        raise ValueError(msg("污染物应为 HJ 212 编码，如 a21026（二氧化硫）"))
    return code


def limits(value: str) -> dict[str, Decimal]:
    """``a21026=35;a21002=100`` → {HJ 212 code: permitted concentration, mg/m³}."""
    out = fields.pairs(
        value,
        pollutant,
        partial(fields.decimal, low=Decimal(0), high=Decimal("1e7")),
        lambda part: msg("“%(part)s”应写作 编码=浓度限值，如 a21026=35", part=part),
    )
    if not out:
        raise ValueError(msg("至少应有一项污染物限值"))
    return out


def hour(value: str) -> dt.datetime:
    """``YYYY-MM-DDTHH:00`` (China time, the hour's start) → an aware UTC moment."""
    match = HOUR.match(value)
    if not match:
        raise ValueError(msg("小时应写作 YYYY-MM-DDTHH:00（北京时间，整点）"))
    try:
        year, month, day, hh = (int(g) for g in match.groups())
        local = dt.datetime(year, month, day, hh, tzinfo=CHINA)
    except ValueError:
        raise ValueError(msg("不是有效的日期时间")) from None
    return local.astimezone(dt.UTC)


def reading_value(value: str) -> float:
    number = fields.decimal(value, Decimal("-1e9"), Decimal("1e9"), places=6)
    return float(number)


COORDINATES: list[tuple[str, bool, Callable[[str], Any]]] = [
    ("latitude", True, partial(fields.decimal, low=Decimal(-90), high=Decimal(90), places=10)),
    ("longitude", True, partial(fields.decimal, low=Decimal(-180), high=Decimal(180), places=10)),
    ("region_code", False, partial(fields.text, max_len=6)),
    ("crs", False, partial(fields.choice, mapping={c: c for c in CRS_NAMES}, label="crs")),
]
PASSWORD = ("password", False, partial(fields.text, max_len=64))

STATIONS: list[tuple[str, bool, Callable[[str], Any]]] = [
    ("mn", True, mn),
    ("name", True, partial(fields.text, max_len=200)),
    ("kind", True, partial(fields.choice, mapping=STATION_KIND_CHOICES, label=msg("站点类型"))),
    *COORDINATES,
    PASSWORD,
]
OUTLETS: list[tuple[str, bool, Callable[[str], Any]]] = [
    ("mn", True, mn),
    ("uscc", True, str.upper),
    ("outlet_code", True, partial(fields.text, max_len=32)),
    ("kind", True, partial(fields.choice, mapping=OUTLET_KIND_CHOICES, label=msg("排放口类型"))),
    ("limits", True, limits),
    ("commissioned_on", True, fields.date),
    PASSWORD,
]
READINGS: list[tuple[str, bool, Callable[[str], Any]]] = [
    ("mn", True, mn),
    ("pollutant", True, pollutant),
    ("hour", True, hour),
    ("avg", True, reading_value),
    ("flag", True, partial(fields.choice, mapping={f: f for f in FLAGS}, label=msg("数据标记"))),
]
