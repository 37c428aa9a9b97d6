"""Place mismatches: flag a given region its coordinates contradict; a regulator settles it.

A tip-off, an enterprise or a point source of the ledger that comes with both a region code
and coordinates keeps the code it was given; when the coordinates lie in a county outside that
region, a :class:`PlaceMismatch` is flagged (one open per entity). A regulator of the given
region then accepts the given code or takes the coordinates' county (audited; an enterprise's
move is a public change, so it goes to the change log with its records; the ledger is
regulator data and writes none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.reference import Region, region_prefix
from core.users import User
from credit.places.lookup import region_code_at
from credit.places.models import RESOLUTIONS, PlaceMismatch
from credit.records.models import Enterprise
from credit.records.snapshots import enterprise_records
from credit.sources.models import SOURCE_ENTITY, PointSource
from credit.tipoffs.models import TipOff

MAX_ID = 2**31 - 1


def disagrees(given_code: str, coordinates_code: str | None) -> bool:
    """Whether coordinates in ``coordinates_code`` contradict ``given_code`` (a county
    inside a given prefecture or province agrees)."""
    return coordinates_code is not None and not coordinates_code.startswith(
        region_prefix(given_code)
    )


def flag_mismatch(
    session: Session,
    entity: str,
    entity_id: int,
    given_code: str,
    lat: Any,
    lon: Any,
    found: str | None = None,
) -> PlaceMismatch | None:
    """Flag the entity when its coordinates (WGS-84) lie outside ``given_code``; returns
    the open mismatch (updated if one was open), or None when they agree. ``found``: the
    coordinates' county when the caller knows it already."""
    found = found or region_code_at(session, lat, lon)
    open_one = session.scalar(
        select(PlaceMismatch).where(
            PlaceMismatch.entity == entity,
            PlaceMismatch.entity_id == entity_id,
            PlaceMismatch.resolved_at.is_(None),
        )
    )
    if not disagrees(given_code, found):
        if open_one is not None:  # corrected since: nothing left to settle
            session.delete(open_one)
        return None
    mismatch = open_one or PlaceMismatch(entity=entity, entity_id=entity_id)
    mismatch.given_code, mismatch.coordinates_code = given_code, str(found)
    mismatch.latitude, mismatch.longitude = Decimal(str(lat)), Decimal(str(lon))
    mismatch.found_at = utcnow()
    session.add(mismatch)
    session.flush()
    return mismatch


def _visible(user: User) -> Any:
    prefix = user.scope_prefix
    return or_(
        PlaceMismatch.given_code.like(prefix + "%"),
        PlaceMismatch.coordinates_code.like(prefix + "%"),
    )


def list_mismatches(
    session: Session, user: User, *, resolved: bool = False, limit: int = 200
) -> list[PlaceMismatch]:
    """The mismatches of the regulator's region (given or coordinates' code inside it),
    open ones by default, newest first."""
    done = PlaceMismatch.resolved_at.is_not(None)
    query = (
        select(PlaceMismatch)
        .where(_visible(user), done if resolved else PlaceMismatch.resolved_at.is_(None))
        .order_by(PlaceMismatch.found_at.desc(), PlaceMismatch.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class MismatchListing:
    """A regulator's mismatches with what the page shows of the regions and entities."""

    items: list[PlaceMismatch]
    #: region code → name, for every code the mismatches mention
    names: dict[str, str]
    #: enterprise id → (USCC, name)
    firms: dict[int, tuple[str, str]]
    #: point source id → (ledger code, name)
    sources: dict[int, tuple[str, str]]


def mismatch_listing(session: Session, user: User, *, resolved: bool = False) -> MismatchListing:
    """The regulator's mismatches (:func:`list_mismatches`), the names of the regions they
    mention, and the codes and names of the enterprises and point sources among them."""
    items = list_mismatches(session, user, resolved=resolved)
    codes = {m.given_code for m in items} | {m.coordinates_code for m in items}
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))

    def ids(entity: str) -> set[int]:
        return {m.entity_id for m in items if m.entity == entity}

    firms = session.execute(
        select(Enterprise.id, Enterprise.uscc, Enterprise.name).where(
            Enterprise.id.in_(ids(Enterprise.entity))
        )
    )
    sources = session.execute(
        select(PointSource.id, PointSource.code, PointSource.name).where(
            PointSource.id.in_(ids(SOURCE_ENTITY))
        )
    )
    return MismatchListing(
        items,
        {code: name for code, name in rows},
        {i: (u, n) for i, u, n in firms},
        {i: (c, n) for i, c, n in sources},
    )


def _move(session: Session, mismatch: PlaceMismatch, code: str) -> None:
    if mismatch.entity == "tipoff":
        tipoff = session.get(TipOff, mismatch.entity_id)
        if tipoff is not None:
            tipoff.region_code = code
        return
    if mismatch.entity == SOURCE_ENTITY:
        source = session.get(PointSource, mismatch.entity_id)
        if source is not None:  # the ledger is regulator data: audited, no change-log row
            source.region_code = code
        return
    enterprise = session.get(Enterprise, mismatch.entity_id)
    if enterprise is None:
        return
    enterprise.region_code = code
    record_change(session, Enterprise.entity, enterprise.uscc, enterprise_id=enterprise.id)
    for entity, record_id, enterprise_id in enterprise_records(session, [enterprise.id]):
        record_change(session, entity, record_id, enterprise_id=enterprise_id)


def resolve_mismatch(
    session: Session,
    user: User,
    mismatch_id: int,
    take: str,
    now: dt.datetime | None = None,
) -> PlaceMismatch:
    """Settle a mismatch: keep the given code ("given") or move the entity to the
    coordinates' county ("coordinates"). Only a regulator of the given region may."""
    if take not in RESOLUTIONS:
        raise Invalid(msg("请选择保留所填地区或采用坐标所在地区"), {"take": [msg("无效的选项")]})
    mismatch = session.get(PlaceMismatch, mismatch_id) if 0 < mismatch_id <= MAX_ID else None
    if mismatch is None:
        raise NotFound(msg("未找到该地点不一致记录"))
    if not user.may_act_in(mismatch.given_code):
        raise Forbidden(msg("该记录不在您的管辖区域内"))
    if mismatch.resolved_at is not None:
        raise Conflict(msg("该地点不一致已处理"))
    if take == "coordinates":
        _move(session, mismatch, mismatch.coordinates_code)
    actor = f"user:{user.id}"
    mismatch.resolved_at, mismatch.resolved_by = now or utcnow(), actor
    mismatch.resolution = take
    audit(
        session,
        actor,
        "place.mismatch.resolve",
        f"{mismatch.entity}:{mismatch.entity_id}",
        {"given": mismatch.given_code, "coordinates": mismatch.coordinates_code, "take": take},
    )
    session.flush()
    return mismatch
