"""The layers only regulators' grid maps draw: the grid subtree's point sources (台账) and its
open supervision cases (问题线索). Each is ``(session, area) -> Layer`` like the public layers of
``credit.maps.layers``; the grid map's caller has checked that the user sees the grid.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messages import Msg, msg
from credit.grids.lookup import grid_and_descendants, grid_by_code
from credit.maps.areas import MapArea
from credit.maps.layers import (
    MARKS,
    MAX_SYMBOLS,
    Layer,
    LayerSource,
    Symbol,
    enterprise_layer,
    legend_of,
    open_tipoff_layer,
)
from credit.sources.models import SOURCE_TYPE_NAMES, PointSource
from credit.supervision.queue import open_cases_in_grids
from credit.supervision.vocabulary import STATUS_NAMES as CASE_STATUS_NAMES
from credit.tipoffs.vocabulary import SEVERITY_NAMES


def _subtree(session: Session, area: MapArea) -> set[int]:
    grid = grid_by_code(session, area.code) if area.kind == "grid" else None
    return grid_and_descendants(session, grid.id) if grid is not None else set()


def case_layer(session: Session, area: MapArea) -> Layer:
    """For regulators: the open supervision cases (问题线索) placed in or escalated to the grid
    and the grids below it, by class and age in days, overdue ones flagged."""
    symbols = []
    for c in open_cases_in_grids(session, _subtree(session, area)):
        mark = f"case-{c.case_class}" if f"case-{c.case_class}" in MARKS else "class-none"
        status = Msg(*CASE_STATUS_NAMES.get(c.status, (c.status, c.status)))
        title = msg(
            "%(mark)s · %(status)s · %(days)s 天",
            mark=MARKS[mark].label,
            status=status,
            days=c.age_days,
        )
        cells = (
            MARKS[mark].label,
            status,
            c.age_days,
            msg("已超期") if c.overdue else msg("未超期"),
        )
        symbols.append(
            Symbol(
                c.longitude,
                c.latitude,
                mark,
                title,
                cells,
                c.code,
                ("case", c.code),
                "overdue" if c.overdue else "",
            )
        )
    return Layer(
        "cases",
        msg("办理中的问题线索（按分级和天数）"),
        (msg("线索编号"), msg("分级"), msg("状态"), msg("已过天数"), msg("期限")),
        symbols,
        legend_of(symbols, tuple(f"case-{k}" for k in SEVERITY_NAMES)),
    )


def source_layer(session: Session, area: MapArea) -> Layer:
    """For regulators: the point sources (台账) of the grid and the grids below it."""
    ids = _subtree(session, area)
    rows: Any = (
        session.execute(
            select(
                PointSource.code,
                PointSource.name,
                PointSource.type,
                PointSource.longitude,
                PointSource.latitude,
            )
            .where(PointSource.grid_id.in_(ids))
            .order_by(PointSource.code)
            .limit(MAX_SYMBOLS)
        )
        if ids
        else []
    )
    symbols = []
    for code, name, kind, lon, lat in rows:
        type_name = msg(SOURCE_TYPE_NAMES.get(kind, kind))  # msgids listed in disclosure/labels
        symbols.append(
            Symbol(
                float(lon),
                float(lat),
                "source",
                msg("%(type)s：%(name)s", type=type_name, name=name),
                (type_name, code),
                name,
                ("source", code),
            )
        )
    return Layer(
        "sources",
        msg("污染源台账"),
        (msg("名称"), msg("类型"), msg("编号")),
        symbols,
        legend_of(symbols, ("source",)),
    )


#: the layers of the regulators' grid map
REGULATOR_LAYERS: tuple[LayerSource, ...] = (
    enterprise_layer,
    source_layer,
    open_tipoff_layer,
    case_layer,
)
