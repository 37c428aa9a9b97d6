"""Keyset-paged listings of the public credit file (API lists and the portal's lists)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.messages import msg
from core.reference import Region, region_path, region_prefix
from credit.kinds import snapshots
from credit.ratings.models import CreditRating
from credit.records.cf import cf_records
from credit.records.models import Enterprise, Inspection, Penalty, Permit
from credit.records.publication import public_on
from credit.records.snapshots import Snapshot, enterprise_snapshots, penalty_snapshots

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


@dataclass(frozen=True, slots=True)
class EnterpriseFilter:
    """What a list of enterprises is narrowed to; empty fields mean no restriction."""

    q: str = ""
    region: str = ""
    industry: str = ""
    level: str = ""


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Snapshot]
    next_after: str | None


def _like_prefix(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def filter_conditions(filters: EnterpriseFilter) -> tuple[Any, ...]:
    """The SQL conditions of ``filters`` on Enterprise (and, for the level, on the current
    CreditRating, which the query must join), as ``list_enterprises`` applies them."""
    conditions: list[Any] = []
    if filters.region:
        conditions.append(
            Enterprise.region_code.like(_like_prefix(region_prefix(filters.region)), escape="\\")
        )
    if filters.industry:
        conditions.append(
            Enterprise.industry_code.like(_like_prefix(filters.industry.upper()), escape="\\")
        )
    if filters.q:
        needle = "%" + _like_prefix(filters.q.strip())
        conditions.append(
            Enterprise.name.like(needle, escape="\\")
            | (Enterprise.uscc == filters.q.strip().upper())
        )
    if filters.level:
        conditions.append(CreditRating.level == filters.level)
    return tuple(conditions)


def list_enterprises(
    session: Session,
    filters: EnterpriseFilter,
    after: str = "",
    limit: int = 50,
    where: tuple[Any, ...] = (),
) -> Page:
    """Enterprises ordered by USCC, after the cursor ``after`` (a USCC), at most ``limit``;
    ``where``: further SQL conditions on Enterprise (a box: ``credit.records.nearby``)."""
    stmt: Any = select(Enterprise.uscc).order_by(Enterprise.uscc).limit(limit + 1)
    if after:
        stmt = stmt.where(Enterprise.uscc > after)
    if filters.level:
        stmt = stmt.join(
            CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current
        )
    stmt = stmt.where(*filter_conditions(filters), *where)
    usccs = list(session.scalars(stmt))
    more = len(usccs) > limit
    usccs = usccs[:limit]
    snaps = enterprise_snapshots(session, usccs)
    items = [s for u in usccs if (s := snaps.get(u)) is not None]
    return Page(items, usccs[-1] if more else None)


def get_enterprise(session: Session, uscc: str) -> Enterprise:
    """The enterprise with this USCC (any case), or NotFound saying why."""
    from core.errors import NotFound
    from core.reference import uscc_problem

    cleaned = (uscc or "").strip().upper()
    problem = uscc_problem(cleaned)
    if problem:
        raise NotFound(msg("统一社会信用代码有误：%(problem)s", problem=problem))
    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == cleaned))
    if ent is None:
        raise NotFound(msg("未找到统一社会信用代码为 %(uscc)s 的企业", uscc=cleaned))
    return ent


def rating_history(session: Session, enterprise_id: int, limit: int = 200) -> list[CreditRating]:
    """Stored ratings, newest first."""
    return list(
        session.scalars(
            select(CreditRating)
            .where(CreditRating.enterprise_id == enterprise_id)
            .order_by(CreditRating.as_of.desc(), CreditRating.id.desc())
            .limit(limit)
        )
    )


#: the record kinds the API lists page by page
LISTED = {model.entity: model for model in (Penalty, Inspection, Permit)}


def record_page(
    session: Session, entity: str, args: dict[str, Any], today: dt.date
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of public records of ``entity`` ordered by id, and the next cursor; penalties
    as 双公示 CF_* records when ``args["format"]`` is ``cf``."""
    model = LISTED[entity]
    limit = args["limit"]
    stmt = (
        select(model.id)
        .join(Enterprise, Enterprise.id == model.enterprise_id)
        .order_by(model.id)
        .limit(limit + 1)
    )
    if args.get("after"):
        stmt = stmt.where(model.id > args["after"])
    if args.get("uscc"):
        stmt = stmt.where(Enterprise.uscc == args["uscc"].strip().upper())
    if args.get("region"):
        stmt = stmt.where(Enterprise.region_code.startswith(region_prefix(args["region"])))
    if entity == "penalty":
        stmt = stmt.where(public_on(today))
        if args.get("since"):
            stmt = stmt.where(Penalty.decision_date >= args["since"])
    elif entity == "inspection":
        stmt = stmt.where(Inspection.withdrawn_at.is_(None))
        if args.get("since"):
            stmt = stmt.where(Inspection.date >= args["since"])
    ids = list(session.scalars(stmt))
    more = len(ids) > limit
    ids = ids[:limit]
    snaps = snapshots(session, entity, [str(i) for i in ids], today)
    items = [s for i in ids if (s := snaps.get(str(i))) is not None]
    if args.get("format") == "cf":
        items = cf_records(session, items)
    return items, ids[-1] if more else None


def published_penalty(
    session: Session, penalty_id: int, today: dt.date, *, cf: bool = False
) -> dict[str, Any]:
    """One published penalty's snapshot, or (``cf``) its 双公示 CF_* record; NotFound when
    unknown or not published on ``today``."""
    from core.errors import NotFound

    snap = penalty_snapshots(session, [min(penalty_id, MAX_ID)], today).get(str(penalty_id))
    if snap is None:
        raise NotFound(msg("未找到编号为 %(id)s 的公示中的处罚决定", id=penalty_id))
    return cf_records(session, [snap])[0] if cf else snap


@dataclass(frozen=True, slots=True)
class RegionCount:
    code: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class RegionBrowse:
    """One step of browsing by region: where we are, and the places below with counts."""

    #: province → prefecture → county down to the region browsed (empty at the top)
    path: list[Region]
    #: the regions one level below (provinces at the top) that hold enterprises
    children: list[RegionCount]
    #: enterprises in the region browsed (all of them at the top)
    total: int


def browse_regions(session: Session, code: str = "") -> RegionBrowse:
    """Enterprises counted by the regions one level below ``code`` (a GB/T 2260 code; ""
    for the whole country: provinces). Unknown codes browse the whole country."""
    region = session.get(Region, code) if code else None
    prefix = region_prefix(region.code) if region is not None else ""
    stmt: Any = select(Enterprise.region_code, func.count()).group_by(Enterprise.region_code)
    if prefix:
        stmt = stmt.where(Enterprise.region_code.like(_like_prefix(prefix), escape="\\"))
    per_code: dict[str, int] = {code: n for code, n in session.execute(stmt)}
    if region is None:
        children = list(
            session.scalars(select(Region).where(Region.level == 1).order_by(Region.code))
        )
    else:
        children = list(
            session.scalars(
                select(Region).where(Region.parent_code == region.code).order_by(Region.code)
            )
        )
    by_prefix: dict[str, int] = {}
    for full, n in per_code.items():
        for size in (2, 4, 6):
            by_prefix[full[:size]] = by_prefix.get(full[:size], 0) + n
    counts = []
    for child in children:
        if n := by_prefix.get(region_prefix(child.code), 0):
            counts.append(RegionCount(child.code, child.name, n))
    path = region_path(session, region.code) if region is not None else []
    return RegionBrowse(path, counts, sum(per_code.values()))


@dataclass(frozen=True, slots=True)
class RegionPage:
    """The home page's 按地区浏览: the regions below ``browse`` and, inside a region, its
    enterprises (a page of them)."""

    browse: RegionBrowse
    enterprises: Page | None


def region_page(session: Session, code: str = "", after: str = "", limit: int = 30) -> RegionPage:
    """Browse by region (``code`` "" = the whole country) and, inside a region, list its
    enterprises ordered by USCC after the cursor ``after``."""
    browse = browse_regions(session, code)
    if not browse.path:
        return RegionPage(browse, None)
    where = EnterpriseFilter(region=browse.path[-1].code)
    return RegionPage(browse, list_enterprises(session, where, after=after, limit=limit))
