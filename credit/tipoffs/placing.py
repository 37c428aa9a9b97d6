"""Placing tip-offs in a region: from the address text at filing, or by a regulator later.

Open311 clients send only what the GeoReport spec knows (coordinates or an address text),
not our region picker. A filing goes to the region its enterprise or its
``attribute[region_code]`` names; else to the region its address text names (region names
from the ``regions`` table, most specific first); else it is filed **unplaced** for triage
(in ``TRIAGE_REGION_CODE`` when configured, else with no region for the national admins),
never refused. A regulator who can see it then places it (:func:`place_tipoff`, audited).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Conflict
from core.messages import msg
from core.reference import Region, resolve_region
from core.users import User
from credit.tipoffs.models import TipOff
from credit.tipoffs.timeline import add_event
from credit.tipoffs.workflow import actor_of, get_tipoff

if TYPE_CHECKING:  # filing uses this module's placing rules (routing by place)
    from credit.tipoffs.filing import TipOffInput

log = logging.getLogger(__name__)
#: a bare county name shorter than this is a common word (城区, 郊区, 矿区): it places only
#: together with its prefecture's or province's name
MIN_BARE_NAME = 3


def _regions(session: Session) -> dict[str, tuple[str, str | None]]:
    rows = session.execute(select(Region.code, Region.name, Region.parent_code))
    return {code: (name, parent) for code, name, parent in rows}


def _ancestors(regions: dict[str, tuple[str, str | None]], code: str) -> list[str]:
    chain: list[str] = []
    parent = regions[code][1]
    while parent and parent in regions and len(chain) < 4:
        chain.append(parent)
        parent = regions[parent][1]
    return chain


def _longest_match(regions: dict[str, tuple[str, str | None]], code: str, text: str) -> int:
    """The length of the longest form of the region's name in ``text`` (0 = none).

    Forms: the name alone, or preceded by its prefecture's and/or province's names
    (兰州市城关区, 甘肃省城关区, 甘肃省兰州市城关区); a short bare name does not count.
    """
    name = regions[code][0]
    forms = [name] if len(name) >= MIN_BARE_NAME else []
    prefixes = [""]
    for ancestor in reversed(_ancestors(regions, code)):
        prefixes += [p + regions[ancestor][0] for p in prefixes]
    forms += [p + name for p in prefixes if p]
    return max((len(form) for form in forms if form in text), default=0)


def locate_region(session: Session, text: str) -> str | None:
    """The region an address text names, e.g. "兰州市城关区张掖路" → 620102; None if unsure.

    The most specific match wins; a tie is broken by a matched ancestor (城关区 with 兰州
    in the text is 兰州's 城关区); a tie that stays (城关区 alone: 兰州 and 拉萨) is None.
    """
    text = (text or "")[:300]
    regions = _regions(session)
    found = {
        code: n
        for code, (name, _) in regions.items()
        if name and name in text and (n := _longest_match(regions, code, text))
    }
    if not found:
        return None
    best = max(found.values())
    group = [code for code, n in found.items() if n == best]
    anchored = [c for c in group if any(a in found for a in _ancestors(regions, c))]
    pick = anchored or group
    return pick[0] if len(pick) == 1 else None


def triage_region(session: Session, code: str | None) -> str | None:
    """The configured triage region if it exists (else None: the national admins triage)."""
    if not code:
        return None
    if session.get(Region, str(code).strip()) is None:
        log.warning("TRIAGE_REGION_CODE %r is not a known region: unplaced tip-offs get none", code)
        return None
    return str(code).strip()


def route_filing(session: Session, data: TipOffInput, triage_code: str | None) -> TipOffInput:
    """The filing with its region: as given, from its address text, or unplaced for triage.

    (Open311: the GeoReport spec has no region picker.)"""
    if (data.enterprise or "").strip() or (data.region_code or "").strip():
        return data
    code = locate_region(session, data.location)
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
