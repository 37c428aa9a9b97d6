"""Placing tip-offs in a region: from the address text at filing, or by a regulator later.

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
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Conflict
from core.messages import msg
from core.reference import Region, resolve_region
from core.users import User
from credit.places.addresses import locate_region
from credit.places.lookup import region_code_at
from credit.tipoffs.models import TipOff
from credit.tipoffs.timeline import add_event
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
