"""Exceedances open supervision cases: a change-log consumer that follows new hourly means.

For the outlets whose hourly means arrived (change-log entity ``outlet``), the valid hourly
means above the outlet's limit that no case covers yet (later than the latest hour any case of
that outlet and pollutant covers) are aggregated in SQL per outlet and pollutant. The open case
of that outlet and pollutant (status not closed) is extended (its last hour, its peak); without
one, a case of origin ``monitoring`` is opened in the outlet's grid (or its enterprise's region)
through ``create_case``, which audits it. At most one open case per outlet and pollutant: the
consumer is the only writer and runs one batch at a time (its watermark is claimed). No
change-log row of its own: the case is internal supervision data, not a public entity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.changelog import ChangeLog
from core.clock import cn_time
from core.consumers import Consumer, read_coalesced
from credit.grids.models import Grid
from credit.monitoring.models import (
    CN_HOURLY,
    OUTLET_ENTITY,
    ExceedanceCase,
    Outlet,
    OutletLimit,
    Reading,
    limit_of,
    over_limit,
)
from credit.records.models import Enterprise
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.models import SupervisionCase

NAME = "monitoring-exceedances"
#: the class of a case opened for an exceedance (its dispatch deadline: case_classes.toml)
CASE_CLASS = "general"


class NewExceedance(NamedTuple):
    """An outlet's pollutant above its limit in hours no case covers yet."""

    outlet_id: int
    pollutant: str
    first_hour: dt.datetime
    last_hour: dt.datetime
    peak: float
    limit: Any


def new_exceedances(session: Session, mns: Iterable[str]) -> list[NewExceedance]:
    """Exceedance hours of these outlets later than any case covers, per outlet and pollutant
    (one aggregate query)."""
    mns = sorted(set(mns))
    if not mns:
        return []
    covered = (
        select(
            ExceedanceCase.outlet_id,
            ExceedanceCase.pollutant,
            func.max(ExceedanceCase.last_hour).label("last"),
        )
        .group_by(ExceedanceCase.outlet_id, ExceedanceCase.pollutant)
        .subquery()
    )
    stmt = (
        select(
            Outlet.id,
            Reading.pollutant,
            func.min(Reading.time),
            func.max(Reading.time),
            func.max(Reading.value),
            OutletLimit.limit,
        )
        .select_from(Reading)
        .join(Outlet, Outlet.mn == Reading.mn)
        .join(OutletLimit, limit_of(Outlet.id))
        .outerjoin(
            covered,
            and_(covered.c.outlet_id == Outlet.id, covered.c.pollutant == Reading.pollutant),
        )
        .where(
            Reading.mn.in_(mns),
            Reading.cn == CN_HOURLY,
            over_limit(),
            or_(covered.c.last.is_(None), Reading.time > covered.c.last),
        )
        .group_by(Outlet.id, Reading.pollutant, OutletLimit.limit)
        .order_by(Outlet.id, Reading.pollutant)
    )
    return [
        NewExceedance(o, p, a, b, float(peak or 0), lim)
        for o, p, a, b, peak, lim in session.execute(stmt)
    ]


def _open_case(session: Session, outlet_id: int, pollutant: str) -> ExceedanceCase | None:
    return session.scalar(
        select(ExceedanceCase)
        .join(SupervisionCase, SupervisionCase.id == ExceedanceCase.case_id)
        .where(
            ExceedanceCase.outlet_id == outlet_id,
            ExceedanceCase.pollutant == pollutant,
            SupervisionCase.status != "closed",
        )
        .order_by(ExceedanceCase.id.desc())
        .limit(1)
    )


def _description(outlet: Outlet, found: NewExceedance) -> str:
    return (
        f"自动监控超标：排放口 {outlet.outlet_code}（MN {outlet.mn}）{found.pollutant} "
        f"小时均值最高 {found.peak:g}，超过排放限值 {float(found.limit):g}"
        f"（{cn_time(found.first_hour)} 起）"
    )


def _new_case(session: Session, found: NewExceedance) -> ExceedanceCase:
    outlet = session.get_one(Outlet, found.outlet_id)
    enterprise = session.get_one(Enterprise, outlet.enterprise_id)
    grid = session.get(Grid, outlet.grid_id) if outlet.grid_id is not None else None
    case = create_case(
        session,
        None,
        CaseInput(
            origin="monitoring",
            case_class=CASE_CLASS,
            description=_description(outlet, found),
            grid_code=grid.code if grid is not None else "",
            region_code=enterprise.region_code,
            enterprise_uscc=enterprise.uscc,
        ),
    )
    row = ExceedanceCase(
        outlet_id=outlet.id,
        pollutant=found.pollutant,
        case_id=case.id,
        first_hour=found.first_hour,
        last_hour=found.last_hour,
        peak=found.peak,
    )
    session.add(row)
    return row


def handle_exceedances(session: Session, mns: Iterable[str]) -> tuple[int, int]:
    """Open or extend the cases for new exceedance hours of these outlets; (opened,
    extended). Flushes."""
    opened = extended = 0
    for found in new_exceedances(session, mns):
        current = _open_case(session, found.outlet_id, found.pollutant)
        if current is None:
            _new_case(session, found)
            opened += 1
        else:
            current.last_hour = max(current.last_hour, found.last_hour)
            current.peak = max(current.peak, found.peak)
            extended += 1
        session.flush()
    return opened, extended


def _outlet(change: Any) -> str | None:
    return change.entity_id if change.entity == OUTLET_ENTITY else None


class ExceedanceConsumer(Consumer):
    """Opens (or extends) monitoring cases for outlets with new hourly means."""

    name = NAME
    #: outlets checked per batch (change rows of many transactions are read until that many)
    batch_size = 5000
    #: change rows read per query
    page = 5000

    def read_batch(self, session: Session, after: int) -> Sequence[Any]:
        return read_coalesced(session, after, _outlet, self.batch_size, self.page)

    def process(self, session: Session, changes: Sequence[ChangeLog]) -> None:
        handle_exceedances(session, {c.entity_id for c in changes if c.entity == OUTLET_ENTITY})
