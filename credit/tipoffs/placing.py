"""Placing tip-offs: where a filing goes (its enterprise, the chosen region, its coordinates'
county, the region its address text names), coordinates to WGS-84, a chosen region the
coordinates contradict flagged, and placing by a regulator later.

The grid is found after storing, by ``credit.supervision.intake.route_to_grid`` (the case in
the grid's queue).

Open311 clients send only what the GeoReport spec knows (coordinates or an address text),
not our region picker. A filing goes to the region its enterprise or its
``attribute[region_code]`` names; else to the county its coordinates lie in; else to the
region its address text names (``credit.places.addresses``); else it is filed **unplaced**
for triage (in ``TRIAGE_REGION_CODE`` when configured, else with no region for the national admins),
never refused. A regulator who can see it then places it (:func:`place_tipoff`, audited).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Conflict, Invalid
from core.messages import msg
from core.reference import Region, resolve_region
from core.users import User
from credit.places.addresses import locate_region
from credit.places.crs import CRS_NAMES, to_wgs84
from credit.places.lookup import parse_coordinate, region_code_at
from credit.places.mismatches import flag_mismatch
from credit.records.models import Enterprise
from credit.tipoffs.models import TipOff
from credit.tipoffs.timeline import add_event, clean_text
from credit.tipoffs.workflow import actor_of, get_tipoff

if TYPE_CHECKING:  # filing uses this module's placing rules (routing by place)
    from credit.tipoffs.filing import TipOffInput

log = logging.getLogger(__name__)


def triage_region(session: Session, code: str | None) -> str | None:
    """The configured triage region if it exists (else None: the national admins triage)."""
    if not code:
        return None
    if session.get(Region, str(code).strip()) is None:
        log.warning("TRIAGE_REGION_CODE %r is not a known region: unplaced tip-offs get none", code)
        return None
    return str(code).strip()


def route_filing(session: Session, data: TipOffInput, triage_code: str | None) -> TipOffInput:
    """The filing with its region: as given, from its coordinates or its address text, or
    unplaced for triage.

    (Open311: the GeoReport spec has no region picker.)"""
    if (data.enterprise or "").strip() or (data.region_code or "").strip():
        return data
    code = region_code_at(session, data.latitude, data.longitude, data.crs)
    code = code or locate_region(session, data.location)
    if code is not None:
        return dataclasses.replace(data, region_code=code)
    return dataclasses.replace(data, region_code=triage_region(session, triage_code), unplaced=True)


@dataclass(frozen=True)
class Place:
    """Where a report goes: its enterprise (found, or as typed) and the handling region."""

    enterprise_id: int | None = None
    enterprise_name: str | None = None
    region_code: str | None = None
    unplaced: bool = False
    #: the reporter chose the region (coordinates that contradict it are flagged)
    given: bool = False


def filing_point(
    data: TipOffInput, errors: dict[str, list[str]]
) -> tuple[Decimal | None, Decimal | None]:
    """The filing's (latitude, longitude) in WGS-84, the stored CRS, at 6 places (GCJ-02 from
    Chinese map apps, ``crs="gcj02"``, converted); (None, None) without coordinates. Problems
    go into ``errors``: a bad number, one of the two missing, an unknown CRS."""
    lat = parse_coordinate(data.latitude, 90, "latitude", errors)
    lon = parse_coordinate(data.longitude, 180, "longitude", errors)
    if (
        (lat is None) != (lon is None)
        and not errors.get("latitude")
        and not errors.get("longitude")
    ):
        errors["latitude"] = [msg("经纬度须同时填写")]
    name = clean_text(data.crs).lower() or "wgs84"
    if name not in CRS_NAMES:
        errors["crs"] = [msg("坐标系须为 %(names)s 之一", names="、".join(CRS_NAMES))]
    elif name != "wgs84" and lat is not None and lon is not None:
        wlon, wlat = to_wgs84(float(lon), float(lat), name)
        lat, lon = Decimal(f"{wlat:.6f}"), Decimal(f"{wlon:.6f}")
    return lat, lon


def filing_place(
    session: Session,
    data: TipOffInput,
    values: dict[str, Any],
    matched: tuple[Enterprise | None, str],
    errors: dict[str, list[str]],
) -> Place:
    """The enterprise (optional) and the region that will handle the report.

    ``values`` holds the checked location and WGS-84 coordinates; ``matched`` is what
    ``filing.match_enterprise`` made of the typed enterprise. An enterprise found in the
    registry decides the region. A name the registry does not know (散乱污 workshops) or
    knows several times is kept as typed, for the handling officer to resolve, and the
    report is routed by place: the chosen region (coordinates that
    contradict it are flagged for the regulator), else the county its coordinates lie in,
    else the region the location text names (``locate_region``), else, with coordinates
    outside every county, unplaced for triage. Refused only when none of these says where
    the report belongs.
    """
    ent, outcome = matched
    if ent is not None:
        return Place(ent.id, None, ent.region_code, data.unplaced)
    name = clean_text(data.enterprise)[:200] or None
    if clean_text(data.region_code):
        try:
            region = resolve_region(session, clean_text(data.region_code)).code
        except Invalid as exc:
            errors.update(exc.errors or {})
            return Place(enterprise_name=name)
        return Place(None, name, region, data.unplaced, given=not data.unplaced)
    if data.unplaced:  # waits without a region for the national admins' triage
        return Place(enterprise_name=name, unplaced=True)
    located = region_code_at(session, values.get("latitude"), values.get("longitude"))
    located = located or locate_region(session, values.get("location") or "")
    if located is not None:
        return Place(None, name, located, False)
    if values.get("latitude") is not None and values.get("longitude") is not None:
        return Place(None, name, triage_region(session, data.triage_code), True)
    if outcome == "ambiguous":
        errors["enterprise"] = [
            msg(
                "名称对应多家企业：请填写统一社会信用代码，或选择所在地区"
                "（办理部门将按您填写的名称核实）"
            )
        ]
    elif outcome == "unknown":
        errors["enterprise"] = [
            msg(
                "本平台未登记该企业：请选择所在地区或填写经纬度，举报将按发生地转交办理"
                "（企业名称按您填写的保留）"
            )
        ]
    else:
        errors["region_code"] = [msg("请选择发生地所在地区、填写经纬度，或填写被举报企业")]
    return Place(enterprise_name=name)


def flag_contradicted_region(session: Session, tipoff: TipOff) -> None:
    """A just-stored report whose chosen region its coordinates contradict is flagged for the
    regulator (the chosen region is kept): ``credit.places.mismatches.flag_mismatch``."""
    if tipoff.region_code and tipoff.latitude is not None:
        flag_mismatch(
            session, "tipoff", tipoff.id, tipoff.region_code, tipoff.latitude, tipoff.longitude
        )


def place_tipoff(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    region_code: str,
    now: dt.datetime | None = None,
) -> TipOff:
    """Give an unplaced report its region (it moves to that region's queue)."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    if tipoff.placement != "unplaced":
        raise Conflict(msg("该举报已有办理地区"))
    region = resolve_region(session, region_code)
    before = tipoff.region_code
    tipoff.region_code, tipoff.placement = region.code, "placed"
    add_event(
        session,
        tipoff,
        "placed",
        actor_of(user),
        at=now,
        public=msg("已确定办理地区：%(name)s", name=region.name),
    )
    audit(
        session,
        actor_of(user),
        "tipoff.place",
        f"tipoff:{tipoff.id}",
        {"status": tipoff.status, "region": region.code, "from": before},
    )
    return tipoff
