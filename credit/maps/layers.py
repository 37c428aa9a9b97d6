"""Map layers: each is one function ``(session, area) -> Layer`` that selects its points in the
area and describes each as a symbol and a row of the list beside the map.

To add a layer write one such function and add it to ``PUBLIC_LAYERS`` (the public ``/map``)
or ``credit.maps.regulator_layers.REGULATOR_LAYERS`` (``/regulator/map``). A symbol
names a *mark* of ``MARKS``: its shape, its CSS class (the colour, in site.css) and, where
shapes repeat, a letter, so colour is never the only signal.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import local_date, today
from core.db import utcnow
from core.messages import Msg, msg
from core.reference import region_prefix
from credit.maps.areas import MapArea
from credit.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN, LEVELS, UNRATED
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise
from credit.tipoffs.models import TipOff, TipOffEvent
from credit.tipoffs.public import MAX_SPAN_DAYS, coarse
from credit.tipoffs.vocabulary import CATEGORY_NAMES, FINAL, SEVERITY_NAMES, STATUS_NAMES, named

#: the most symbols one layer draws (a province's enterprises are a list, not a map)
MAX_SYMBOLS = 5000


@dataclass(frozen=True, slots=True)
class Mark:
    """How a kind of symbol looks: a shape of ``credit.maps.svg.SHAPES``, a CSS class and an
    optional letter (zh-CN, English) drawn on it."""

    shape: str
    css: str
    label: Msg
    letter: tuple[str, str] | None = None


def _level_label(level: str) -> Msg:
    return Msg(LEVEL_NAMES[level], LEVEL_NAMES_EN[level])


#: the letter drawn on a class's pin (日常/一般/较大/重大), zh-CN and English
CLASS_LETTERS = (("日", "R"), ("般", "G"), ("较", "M"), ("重", "C"))

#: every mark; the five levels keep the shapes of the legend whatever the colours
MARKS: dict[str, Mark] = {
    **{
        level: Mark(shape, f"lv-{level}", _level_label(level))
        for level, shape in zip(
            LEVELS, ("circle", "square", "triangle", "diamond", "cross"), strict=True
        )
    },
    UNRATED: Mark("ring", "lv-unrated", msg("未评价")),
    "tipoff": Mark("pin", "mk-tipoff", msg("办理中的举报")),
    "tipoff-closed": Mark("pin-hollow", "mk-tipoff-closed", msg("已办结的举报")),
    **{
        f"{prefix}-{key}": Mark(shape, f"mk-class-{key}", named(name) or msg(name), letter)
        for prefix, shape in (("class", "pin"), ("case", "square"))  # tip-offs, cases
        for (key, name), letter in zip(SEVERITY_NAMES.items(), CLASS_LETTERS, strict=True)
    },
    "class-none": Mark("pin-hollow", "mk-class-none", msg("未定级"), ("?", "?")),
    "source": Mark("diamond", "mk-source", msg("污染源")),
}


@dataclass(frozen=True, slots=True)
class Symbol:
    """One point of a layer and its row in the list."""

    lon: float
    lat: float
    mark: str
    #: the symbol's tooltip (``<title>``): a Msg, or a (zh-CN, English) pair
    title: Msg | tuple[str, str] | str
    #: the list row's cells after the first (each a Msg, or data shown as it is)
    cells: tuple[Any, ...]
    #: the row's first cell: the name shown, and (kind, key) of the page it links to
    name: str
    ref: tuple[str, str] | None = None
    #: an extra CSS class (``overdue``)
    flag: str = ""


@dataclass(frozen=True, slots=True)
class LegendEntry:
    mark: str
    count: int


@dataclass(frozen=True, slots=True)
class Layer:
    """What one layer draws and lists."""

    key: str
    title: Msg
    #: headings of the list's columns (the first is the symbol's name)
    columns: tuple[Msg, ...]
    symbols: list[Symbol]
    legend: tuple[LegendEntry, ...]
    #: a remark under the list (what is not on the map and why), or None
    note: Msg | None = None
    #: the layer's drawing and list rows once rendered, by language (and map): a cached
    #: layer is rendered once, and a write that rebuilds another layer leaves these kept
    drawn: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


LayerSource = Callable[[Session, MapArea], Layer]


def legend_of(symbols: Sequence[Symbol], order: Sequence[str]) -> tuple[LegendEntry, ...]:
    """Every mark of ``order`` with its count in ``symbols`` (zero counts too: the legend
    explains the marks whether or not this area has each)."""
    counts = Counter(s.mark for s in symbols)
    return tuple(LegendEntry(mark, counts.get(mark, 0)) for mark in order)


def _bbox_conditions(area: MapArea, lon: Any, lat: Any) -> tuple[Any, ...]:
    west, south, east, north = area.bbox
    return (lat.is_not(None), lon.is_not(None), lat.between(south, north), lon.between(west, east))


def enterprise_layer(session: Session, area: MapArea) -> Layer:
    """The area's enterprises, each marked by its current level (unrated: a ring)."""
    stmt = (
        select(
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.longitude,
            Enterprise.latitude,
            CreditRating.level,
        )
        .outerjoin(
            CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current
        )
        .where(*_bbox_conditions(area, Enterprise.longitude, Enterprise.latitude))
        .order_by(Enterprise.name, Enterprise.uscc)
    )
    in_region = Enterprise.region_code.startswith(region_prefix(area.region_code))
    if area.kind == "region":
        stmt = stmt.where(in_region)
    symbols = []
    #: each level's tooltip with a placeholder for the name (one translation per level)
    titles = {
        mark: msg("%(name)s：%(level)s", name="\x00", level=MARKS[mark].label)
        for mark in (*LEVELS, UNRATED)
    }
    by_polygon = area.kind != "region"
    for uscc, name, longitude, latitude, level in session.execute(stmt):
        lon, lat = float(longitude or 0), float(latitude or 0)  # never NULL: the box
        if by_polygon and not area.covers(lon, lat):  # a region's box is the SQL's
            continue
        mark = level if level in MARKS else UNRATED
        label, title = MARKS[mark].label, titles[mark]
        symbols.append(
            Symbol(
                lon,
                lat,
                mark,
                (title.zh.replace("\x00", name), title.en.replace("\x00", name)),
                (label,),
                name,
                ("enterprise", uscc),
            )
        )
    symbols = symbols[:MAX_SYMBOLS]
    note = None
    if area.kind == "region":
        total = session.scalar(select(func.count(Enterprise.id)).where(in_region)) or 0
        if total > len(symbols):
            note = msg(
                "另有 %(n)s 家企业没有坐标或坐标不在本地区范围内，未在地图上显示。",
                n=total - len(symbols),
            )
    return Layer(
        "enterprises",
        msg("企业（按信用等级）"),
        (msg("企业"), msg("信用等级")),
        symbols,
        legend_of(symbols, (*LEVELS, UNRATED)),
        note,
    )


#: what the tip-off layers read: none of the reporter's fields, words or exact place shown
_TIPOFF_COLUMNS = (
    TipOff.id,
    TipOff.tracking_code,
    TipOff.category,
    TipOff.status,
    TipOff.severity,
    TipOff.latitude,
    TipOff.longitude,
    TipOff.created_at,
    TipOff.due_at,
)


def _tipoffs_in(session: Session, area: MapArea, *conditions: Any) -> list[Any]:
    stmt = (
        select(*_TIPOFF_COLUMNS)
        .where(
            TipOff.placement != "unplaced",
            *_bbox_conditions(area, TipOff.longitude, TipOff.latitude),
            *conditions,
        )
        .order_by(TipOff.created_at.desc(), TipOff.id.desc())
        .limit(MAX_SYMBOLS)
    )
    if area.kind == "region":
        stmt = stmt.where(TipOff.region_code.startswith(region_prefix(area.region_code)))
    return list(session.execute(stmt))


def tipoff_layer(session: Session, area: MapArea) -> Layer:
    """Public tip-offs of the last 90 days, at their public (rounded, ≈100 m) coordinates,
    with only what their public summary (``credit.tipoffs.public``) says too: category,
    status, date received, tracking code."""
    since = utcnow() - dt.timedelta(days=MAX_SPAN_DAYS)
    symbols = []
    for t in _tipoffs_in(session, area, TipOff.created_at >= since):
        lat, lon = coarse(t.latitude), coarse(t.longitude)  # the public summary's rounding
        if lat is None or lon is None or not area.covers(float(lon), float(lat)):
            continue
        category = named(CATEGORY_NAMES.get(t.category, t.category))
        status = named(STATUS_NAMES.get(t.status, t.status))
        received = local_date(t.created_at).isoformat()
        title = msg("举报（%(category)s）：%(status)s", category=category, status=status)
        symbols.append(
            Symbol(
                float(lon),
                float(lat),
                "tipoff-closed" if t.status in FINAL else "tipoff",
                title,
                (category, status, received, f"{lat}, {lon}"),
                t.tracking_code,
            )
        )
    return Layer(
        "tipoffs",
        msg("近 90 天的举报（位置约 100 米精度）"),
        (msg("查询码"), msg("类别"), msg("状态"), msg("接收日期"), msg("大致位置")),
        symbols,
        legend_of(symbols, ("tipoff", "tipoff-closed")),
    )


def open_tipoff_layer(session: Session, area: MapArea) -> Layer:
    """For regulators: the open tip-offs in the area by class (日常/一般/较大/重大) and age
    in days, overdue ones flagged; positions rounded as in public (the tip-off's own page has
    the rest)."""
    day = today()
    symbols = []
    for t in _tipoffs_in(session, area, TipOff.status.not_in(FINAL)):
        lat, lon = coarse(t.latitude), coarse(t.longitude)
        if lat is None or lon is None or not area.covers(float(lon), float(lat)):
            continue
        mark = f"class-{t.severity}" if t.severity in SEVERITY_NAMES else "class-none"
        age = (day - local_date(t.created_at)).days
        status = named(STATUS_NAMES.get(t.status, t.status))
        overdue = t.due_at < day
        title = msg(
            "%(mark)s · %(status)s · %(days)s 天", mark=MARKS[mark].label, status=status, days=age
        )
        cells = (MARKS[mark].label, status, age, msg("已超期") if overdue else msg("未超期"))
        symbols.append(
            Symbol(
                float(lon),
                float(lat),
                mark,
                title,
                cells,
                t.tracking_code,
                ("tipoff", str(t.id)),
                "overdue" if overdue else "",
            )
        )
    return Layer(
        "open-tipoffs",
        msg("办理中的举报（按分级和天数）"),
        (msg("查询码"), msg("分级"), msg("状态"), msg("已过天数"), msg("期限")),
        symbols,
        legend_of(symbols, (*(f"class-{k}" for k in SEVERITY_NAMES), "class-none")),
    )


def enterprise_stamp(session: Session, area: MapArea) -> Any:
    """What the enterprise layer of a region's map was drawn from: its enterprises' count and
    last change, and its newest rating (a new level is a new rating row)."""
    in_region = Enterprise.region_code.startswith(region_prefix(area.region_code))
    enterprises = session.execute(
        select(func.count(Enterprise.id), func.max(Enterprise.updated_at)).where(in_region)
    ).one()
    rating = session.scalar(
        select(func.max(CreditRating.id))
        .join(Enterprise, Enterprise.id == CreditRating.enterprise_id)
        .where(in_region)
    )
    return (*enterprises, rating)


def tipoff_stamp(session: Session, area: MapArea) -> Any:
    """What the tip-off layer of a region's map was drawn from: the newest timeline event of
    its tip-offs (filing and every step add one)."""
    return session.scalar(
        select(func.max(TipOffEvent.id))
        .join(TipOff, TipOff.id == TipOffEvent.tipoff_id)
        .where(TipOff.region_code.startswith(region_prefix(area.region_code)))
    )


StampSource = Callable[[Session, MapArea], Any]

#: the layers of the public map, drawn in this order (later ones on top), each with what it
#: is drawn from: a cached layer is reused while its stamp stays the same, so a write to
#: one layer's table rebuilds that layer alone
PUBLIC_LAYERS: tuple[tuple[LayerSource, StampSource], ...] = (
    (enterprise_layer, enterprise_stamp),
    (tipoff_layer, tipoff_stamp),
)
