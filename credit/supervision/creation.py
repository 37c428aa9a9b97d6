"""Opening a case: from a tip-off, a patrol, a monitoring alert or a regulator's own finding.

The case is placed in the deepest grid containing its coordinates (or the grid named), gets
its class's dispatch deadline, and starts in 发现 (found). A case from a tip-off takes the
report's public description, place, region and class, never its reporter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid
from core.messages import msg
from core.reference import resolve_region
from core.users import User
from credit.grids.lookup import grid_at, grid_by_code
from credit.grids.models import Grid
from credit.places.lookup import parse_coordinate
from credit.records.models import Enterprise
from credit.supervision.classes import case_classes
from credit.supervision.models import CASE_CLASSES, CASE_ORIGINS, SupervisionCase
from credit.supervision.scope import scope_of
from credit.supervision.timeline import actor, add_step
from credit.tipoffs.case_link import follow_case, tipoff_for_case
from credit.tipoffs.codes import random_code
from credit.tipoffs.models import TipOff
from credit.tipoffs.timeline import clean_text

CODE_PREFIX = "XS"  # 线索


@dataclass(frozen=True)
class CaseInput:
    """What a new case is made from (form or API text; checked by :func:`create_case`)."""

    origin: str
    case_class: str = ""
    description: str = ""
    latitude: Any = None
    longitude: Any = None
    grid_code: str = ""
    region_code: str = ""
    point_source_code: str = ""
    enterprise_uscc: str = ""
    tipoff_id: int | None = None
    patrol_id: int | None = None


def _refuse(field: str, message: str) -> Invalid:
    return Invalid(message, {field: [message]})


def _checked(data: CaseInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "latitude": parse_coordinate(data.latitude, 90, "latitude", errors),
        "longitude": parse_coordinate(data.longitude, 180, "longitude", errors),
    }
    if (values["latitude"] is None) != (values["longitude"] is None) and not errors:
        errors["latitude"] = [msg("经纬度须同时填写")]
    if data.origin not in CASE_ORIGINS:
        errors["origin"] = [msg("来源须为 %(names)s 之一", names="/".join(CASE_ORIGINS))]
    if data.origin != "tipoff" and data.case_class not in CASE_CLASSES:
        errors["case_class"] = [msg("等级须为 %(names)s 之一", names="/".join(CASE_CLASSES))]
    text = clean_text(data.description)
    if data.origin != "tipoff" and not 5 <= len(text) <= 4000:
        errors["description"] = [msg("问题描述须为 5–4000 字")]
    source = clean_text(data.point_source_code)
    if len(source) > 40:
        errors["point_source_code"] = [msg("污染源编码不能超过 40 个字符")]
    if errors:
        raise Invalid(msg("请检查填写的内容"), errors)
    return {**values, "description": text, "point_source_code": source or None}


def _place(
    session: Session, data: CaseInput, lat: Decimal | None, lon: Decimal | None
) -> Grid | None:
    code = clean_text(data.grid_code)[:32]
    if code:
        grid = grid_by_code(session, code)
        if grid is None:
            raise _refuse("grid_code", msg("未找到网格 %(code)s", code=code))
        return grid
    if lat is not None and lon is not None:
        return grid_at(session, float(lon), float(lat))
    return None


def _enterprise_id(session: Session, uscc: str) -> int | None:
    text = clean_text(uscc).upper()[:18]
    if not text:
        return None
    found = session.scalar(select(Enterprise.id).where(Enterprise.uscc == text))
    if found is None:
        raise _refuse("enterprise_uscc", msg("未找到统一社会信用代码为 %(uscc)s 的企业", uscc=text))
    return found


def _from_tipoff(
    session: Session, user: User | None, values: dict[str, Any], data: CaseInput
) -> TipOff:
    if data.tipoff_id is None:
        raise _refuse("tipoff_id", msg("请指明举报"))
    tipoff = tipoff_for_case(session, user, data.tipoff_id)  # locked: one case per report
    if session.scalar(select(SupervisionCase.id).where(SupervisionCase.tipoff_id == tipoff.id)):
        raise Conflict(msg("该举报已立为问题线索"))
    values.update(
        description=tipoff.description,
        latitude=values["latitude"] or tipoff.latitude,
        longitude=values["longitude"] or tipoff.longitude,
        enterprise_id=tipoff.enterprise_id,
    )
    if tipoff.region_code and not clean_text(data.region_code):
        values["region_code"] = tipoff.region_code
    if data.case_class not in CASE_CLASSES:
        values["case_class"] = tipoff.severity or "general"
    return tipoff


def _require_in_scope(session: Session, user: User | None, grid: Grid | None, region: str) -> None:
    if user is None:
        return
    scope = scope_of(session, user)
    allowed = (
        grid is not None and grid.id in scope.grids
        if scope.grid_scoped
        else user.may_act_in(region)
    )
    if not allowed:
        raise Forbidden(msg("不能在您的网格或辖区以外立案"))


def _unique_code(session: Session) -> str:
    while True:
        code = random_code(CODE_PREFIX)
        if session.scalar(select(SupervisionCase.id).where(SupervisionCase.code == code)) is None:
            return code


def create_case(
    session: Session, user: User | None, data: CaseInput, *, now: dt.datetime | None = None
) -> SupervisionCase:
    """Open a case (``user`` None: the system, e.g. a monitoring alert)."""
    values = _checked(data)
    values["case_class"], values["enterprise_id"] = data.case_class, None
    tipoff = _from_tipoff(session, user, values, data) if data.origin == "tipoff" else None
    if tipoff is None:
        values["enterprise_id"] = _enterprise_id(session, data.enterprise_uscc)
    grid = _place(session, data, values["latitude"], values["longitude"])
    region = grid.region_code if grid else values.get("region_code") or clean_text(data.region_code)
    if not region:
        raise _refuse("region_code", msg("无法确定网格时须填写行政区划代码"))
    region = resolve_region(session, region).code
    _require_in_scope(session, user, grid, region)
    now = now or utcnow()
    case = SupervisionCase(
        code=_unique_code(session),
        origin=data.origin,
        tipoff_id=tipoff.id if tipoff else None,
        patrol_id=data.patrol_id,
        grid_id=grid.id if grid else None,
        handling_grid_id=grid.id if grid else None,
        region_code=region,
        case_class=values["case_class"],
        status="found",
        latitude=values["latitude"],
        longitude=values["longitude"],
        point_source_code=values["point_source_code"],
        enterprise_id=values["enterprise_id"],
        description=values["description"],
        dispatch_due_at=case_classes()[values["case_class"]].dispatch_due(now),
        created_by=user.id if user else None,
        created_at=now,
    )
    session.add(case)
    session.flush()
    add_step(session, case, "created", user, None, "found", at=now)
    if tipoff is not None and user is not None:
        follow_case(session, user, tipoff, "found", now=now)
    audit(session, actor(user), "case.create", f"case:{case.id}", {"origin": case.origin})
    return case
