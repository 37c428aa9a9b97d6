"""Search documents built set-wise from the database (the index is derived from it)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import today as china_today
from core.reference import Industry, Region
from credit.ratings.levels import UNRATED
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise, Penalty, Permit
from credit.records.publication import is_public
from search.analysis import clean, code_key
from search.pipeline import analyse_chunk

Doc = dict[str, Any]


def region_prefixes(code: str) -> list[str]:
    """620102 → ['62', '6201', '620102'] so any level of the region tree can filter."""
    return sorted({code[:2], code[:4], code})


def industry_terms(code: str) -> list[str]:
    """C2611 → ['C', 'C26', 'C261', 'C2611']."""
    return [code[:n] for n in range(1, len(code) + 1) if n != 2]


def _names(session: Session, model: Any, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {
        c: n
        for c, n in session.execute(select(model.code, model.name).where(model.code.in_(codes)))
    }


def _enterprise_rows(
    session: Session, usccs: Collection[str] | None, chunk: int
) -> Iterator[list[Any]]:
    stmt = (
        select(Enterprise, CreditRating.level)
        .outerjoin(
            CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current
        )
        .order_by(Enterprise.id)
    )
    if usccs is not None:
        wanted = sorted(set(usccs))
        for start in range(0, len(wanted), chunk):
            part = wanted[start : start + chunk]
            yield list(session.execute(stmt.where(Enterprise.uscc.in_(part))))
        return
    after = 0
    while rows := list(session.execute(stmt.where(Enterprise.id > after).limit(chunk))):
        yield rows
        after = rows[-1][0].id


def enterprise_docs(
    session: Session, usccs: Collection[str] | None = None, chunk: int = 2000
) -> Iterator[list[Doc]]:
    """Documents for enterprises (all when ``usccs`` is None), a chunk at a time."""
    for sources in enterprise_sources(session, usccs, chunk):
        yield analyse_chunk(sources)


def enterprise_sources(
    session: Session, usccs: Collection[str] | None = None, chunk: int = 2000
) -> Iterator[list[Doc]]:
    """Sources (unsegmented documents, see search.pipeline) for enterprises, by chunk."""
    for rows in _enterprise_rows(session, usccs, chunk):
        ids = [e.id for e, _ in rows]
        permits: dict[int, list[str]] = defaultdict(list)
        for eid, number in session.execute(
            select(Permit.enterprise_id, Permit.permit_no).where(Permit.enterprise_id.in_(ids))
        ):
            permits[eid].append(code_key(number))
        regions = _names(session, Region, {e.region_code for e, _ in rows})
        industries = _names(session, Industry, {e.industry_code for e, _ in rows})
        yield [
            _enterprise_source(e, level, permits[e.id], regions, industries) for e, level in rows
        ]


def _enterprise_source(
    e: Enterprise,
    level: str | None,
    permits: list[str],
    regions: dict[str, str],
    industries: dict[str, str],
) -> Doc:
    former = [n for n in (e.former_names or "").split(";") if n]
    region_name = regions.get(e.region_code, "")
    industry_name = industries.get(e.industry_code, "")
    return {
        "id": f"enterprise:{e.uscc}",
        "type": "enterprise",
        "uscc": e.uscc,
        "title": e.name,
        "codes": [code_key(e.uscc), *permits],
        "name_text": " ".join([e.name, *former]),
        "pinyin_names": [e.name, *former],
        "body_text": " ".join([e.address or "", region_name, industry_name]),
        "text": clean(f"{e.address or ''} {region_name} {industry_name}"),
        "region_code": e.region_code,
        "regions": region_prefixes(e.region_code),
        "industry": industry_terms(e.industry_code),
        "level": level or UNRATED,
        "year": "",
        "date": None,
    }


def penalty_docs(
    session: Session,
    ids: Collection[int] | None = None,
    today: dt.date | None = None,
    chunk: int = 2000,
) -> Iterator[tuple[list[Doc], list[str]]]:
    """(documents, ids to delete) for penalties: only published ones are indexed."""
    for sources, gone in penalty_sources(session, ids, today, chunk):
        yield analyse_chunk(sources), gone


def penalty_sources(
    session: Session,
    ids: Collection[int] | None = None,
    today: dt.date | None = None,
    chunk: int = 2000,
) -> Iterator[tuple[list[Doc], list[str]]]:
    """(sources, ids to delete) for penalties, like penalty_docs but unsegmented."""
    today = today or china_today()
    stmt = (
        select(
            Penalty,
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.region_code,
            Enterprise.industry_code,
            CreditRating.level,
        )
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .outerjoin(
            CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current
        )
        .order_by(Penalty.id)
    )
    if ids is not None:
        wanted = sorted({int(i) for i in ids})
        batches = (
            list(session.execute(stmt.where(Penalty.id.in_(wanted[s : s + chunk]))))
            for s in range(0, len(wanted), chunk)
        )
        missing = set(wanted)
    else:
        batches = _penalty_batches(session, stmt, chunk)
        missing = set()
    for rows in batches:
        docs, gone = [], []
        for p, uscc, name, region, industry, level in rows:
            missing.discard(p.id)
            if is_public(p, today):
                docs.append(_penalty_source(p, uscc, name, region, industry, level))
            else:
                gone.append(f"penalty:{p.id}")
        yield docs, gone
    if missing:
        yield [], [f"penalty:{i}" for i in sorted(missing)]


def _penalty_batches(session: Session, stmt: Any, chunk: int) -> Iterator[list[Any]]:
    after = 0
    while rows := list(session.execute(stmt.where(Penalty.id > after).limit(chunk))):
        yield rows
        after = rows[-1][0].id


def _penalty_source(
    p: Penalty, uscc: str, name: str, region: str, industry: str, level: str | None
) -> Doc:
    return {
        "id": f"penalty:{p.id}",
        "type": "penalty",
        "uscc": uscc,
        "title": f"{p.decision_no} {name}",
        "codes": [code_key(p.decision_no), code_key(uscc)],
        "name_text": name,
        "pinyin_names": [],
        "body_text": f"{p.violation_type} {p.facts} {p.authority}",
        "text": clean(f"{p.violation_type}。{p.facts}"),
        "region_code": region,
        "regions": region_prefixes(region),
        "industry": industry_terms(industry),
        "level": level or UNRATED,
        "year": str(p.decision_date.year),
        "date": p.decision_date,
    }
