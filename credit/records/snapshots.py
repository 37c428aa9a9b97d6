"""Public snapshots of the credit file: what the API, change feed and exports show.

Each builder takes many ids at once (a handful of queries, not one per record) and returns
``{public_id: snapshot}``; an entity that is not public (a revoked, repaired or expired
penalty, a withdrawn inspection) maps to None, which the change feed turns into a delete.

A mirror applying the change feed stays equal to an export only if every change to what a
snapshot shows gets a change-log row for that snapshot's entity, including data a snapshot
embeds from another entity:
- the enterprise snapshot embeds the current rating (level, level_name, score,
  rated_as_of): storing a new current rating also records an ``enterprise`` change
  (``credit.ratings.rescoring``);
- record snapshots embed their enterprise's ``EMBEDDED_ENTERPRISE_COLUMNS``: changing one
  records a change for each of the enterprise's records (``credit.records.upserts``); the USCC is
  the enterprise's natural key and never changes;
- region and industry names (the enterprise snapshot's region_name and industry_name)
  change only with a migration of the reference tables, which must record enterprise
  changes itself (``_NAME_CACHE`` is refreshed by a restart after the migration);
- a penalty's publication depends on the date: ``credit.ratings.expiry`` records a change on the
  day a penalty's decision date, revocation or end of publication comes, and on the day an
  approved rating adjustment expires (so its enterprise is rescored).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.orm import Session

from core.clock import iso
from core.reference import Industry, Region
from core.speedups import driver_reads
from credit.data_errors.public import under_review
from credit.ratings.levels import level_name
from credit.ratings.models import CreditRating
from credit.records.models import (
    RECORD_MODELS,
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
)
from credit.records.publication import is_public

Snapshot = dict[str, Any]


def yuan(fen: int) -> str:
    """Integer fen as a CNY decimal string: 1234567 → "12345.67"."""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


#: (table, code) → name; reference rows change only with a migration, so a process may
#: keep them (a restart after a migration refreshes them)
_NAME_CACHE: dict[tuple[str, str], str] = {}


def _names(session: Session | Connection, model: Any, codes: Iterable[str]) -> dict[str, str]:
    codes = set(codes)
    table = model.__tablename__
    missing = {c for c in codes if (table, c) not in _NAME_CACHE}
    if missing:
        for code, name in session.execute(
            select(model.code, model.name).where(model.code.in_(missing))
        ):
            _NAME_CACHE[(table, code)] = name
    return {c: _NAME_CACHE[(table, c)] for c in codes if (table, c) in _NAME_CACHE}


#: enterprise columns that record snapshots embed (as enterprise_name and region_code)
EMBEDDED_ENTERPRISE_COLUMNS = ("name", "region_code")


def enterprise_records(
    session: Session, enterprise_ids: Iterable[int]
) -> list[tuple[str, int, int]]:
    """(entity, id, enterprise_id) of every record whose snapshot embeds one of these
    enterprises' ``EMBEDDED_ENTERPRISE_COLUMNS``."""
    ids = set(enterprise_ids)
    if not ids:
        return []
    out = []
    for model in RECORD_MODELS:
        out += [
            (model.entity, rid, eid)
            for rid, eid in session.execute(
                select(model.id, model.enterprise_id)
                .where(model.enterprise_id.in_(ids))
                .order_by(model.id)
            )
        ]
    return out


_ENTERPRISE_COLUMNS = (
    Enterprise.uscc,
    Enterprise.name,
    Enterprise.former_names,
    Enterprise.legal_representative,
    Enterprise.region_code,
    Enterprise.industry_code,
    Enterprise.address,
    Enterprise.latitude,
    Enterprise.longitude,
    Enterprise.permit_category,
    Enterprise.status,
    Enterprise.updated_at,
    CreditRating.level,
    CreditRating.score,
    CreditRating.as_of.label("rated_as_of"),
    CreditRating.vetoed,
)
_ENTERPRISE_FROM = select(*_ENTERPRISE_COLUMNS).outerjoin_from(
    Enterprise,
    CreditRating,
    (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current,
)
#: built once: Core statements (rows, not ORM objects) that are neither rebuilt nor
#: recompiled per call; the single-enterprise one has no IN list to expand per execution
_ENTERPRISE_SNAPSHOT_SQL = _ENTERPRISE_FROM.where(
    Enterprise.uscc.in_(bindparam("usccs", expanding=True))
)
_ONE_ENTERPRISE_SQL = _ENTERPRISE_FROM.where(Enterprise.uscc == bindparam("uscc"))


def enterprise_snapshots(
    session: Session, usccs: Iterable[str], _today: dt.date | None = None
) -> dict[str, Snapshot | None]:
    """Public view of enterprises by USCC, with their current published level."""
    usccs = list(set(usccs))
    # Core rows through the session's connection: no ORM entities to build
    rows = session.connection().execute(_ENTERPRISE_SNAPSHOT_SQL, {"usccs": usccs}).all()
    regions = _names(session, Region, (r.region_code for r in rows))
    industries = _names(session, Industry, (r.industry_code for r in rows))
    out: dict[str, Snapshot | None] = dict.fromkeys(usccs)
    for row in rows:
        out[row.uscc] = enterprise_view(row, regions, industries)
    return out


#: the hot single read on the driver's cursor (core.speedups.DriverRead, with its measured
#: gain); a test holds it equal to ``enterprise_snapshots`` on SQLite and PostgreSQL
_read_one_enterprise = driver_reads(_ONE_ENTERPRISE_SQL, "uscc")


def enterprise_snapshot(engine: Engine, uscc: str) -> Snapshot | None:
    """One enterprise's public view, or None (the API's hot single read)."""
    row = _read_one_enterprise(engine, uscc)
    if row is None:
        return None
    codes = ((Region, row.region_code), (Industry, row.industry_code))
    if any((model.__tablename__, code) not in _NAME_CACHE for model, code in codes):
        with engine.connect() as connection:  # a name not yet cached: look it up once
            for model, code in codes:
                _names(connection, model, (code,))
    return enterprise_view(
        row, _names_cached(Region, row.region_code), _names_cached(Industry, row.industry_code)
    )


def _names_cached(model: Any, code: str) -> dict[str, str]:
    name = _NAME_CACHE.get((model.__tablename__, code))
    return {code: name} if name is not None else {}


def enterprise_view(row: Any, regions: dict[str, str], industries: dict[str, str]) -> Snapshot:
    """One enterprise's public snapshot from a row of ``_ENTERPRISE_COLUMNS``."""
    return {
        "uscc": row.uscc,
        "name": row.name,
        "former_names": [n for n in (row.former_names or "").split(";") if n],
        "legal_representative": row.legal_representative,
        "region_code": row.region_code,
        "region_name": regions.get(row.region_code),
        "industry_code": row.industry_code,
        "industry_name": industries.get(row.industry_code),
        "address": row.address,
        "latitude": float(row.latitude) if row.latitude is not None else None,
        "longitude": float(row.longitude) if row.longitude is not None else None,
        "permit_category": row.permit_category,
        "status": row.status,
        "level": row.level,
        "level_name": level_name(row.level),
        "score": row.score,
        #: the level is a veto's (一票否决); false when unrated
        "vetoed": bool(row.vetoed),
        "rated_as_of": iso(row.rated_as_of),
        "updated_at": iso(row.updated_at),
    }


def penalty_view(p: Penalty, uscc: str, name: str, region_code: str) -> Snapshot:
    """One penalty's public snapshot (the 双公示 field set under our own names)."""
    return {
        "id": p.id,
        "decision_no": p.decision_no,
        "uscc": uscc,
        "enterprise_name": name,
        "region_code": region_code,
        "violation_type": p.violation_type,
        "facts": p.facts,
        "legal_basis": p.legal_basis,
        "penalty_kinds": p.kinds,
        "content": p.content,
        "fine_amount": yuan(p.fine_amount_fen),
        "confiscated_amount": yuan(p.confiscated_amount_fen),
        "licence_affected": p.licence_affected,
        "decision_date": iso(p.decision_date),
        "authority": p.authority,
        "authority_uscc": p.authority_uscc,
        "data_source": p.data_source,
        "data_source_uscc": p.data_source_uscc,
        "severity": p.severity,
        "criminal_transfer": p.criminal_transfer,
        "publish_until": iso(p.publish_until),
        "remarks": p.remarks,
    }


def penalty_snapshots(
    session: Session, ids: Iterable[int | str], today: dt.date
) -> dict[str, Snapshot | None]:
    """Public view of penalties by id; None for those not public on ``today``; each says
    whether a data error report about it is being verified (``under_review``, 核查中)."""
    out = record_snapshots(
        session,
        Penalty,
        ids,
        lambda p, u, n, r: penalty_view(p, u, n, r) if is_public(p, today) else None,
    )
    reviewing = under_review(session, Penalty.entity, [i for i, s in out.items() if s])
    for ident, snapshot in out.items():
        if snapshot is not None:
            snapshot["under_review"] = ident in reviewing
    return out


def inspection_view(i: Inspection, uscc: str, name: str, region_code: str) -> Snapshot:
    return {
        "id": i.id,
        "uscc": uscc,
        "enterprise_name": name,
        "region_code": region_code,
        "ref": i.ref,
        "date": iso(i.date),
        "agency": i.agency,
        "kind": i.kind,
        "outcome": i.outcome,
        "findings": i.findings,
    }


def permit_view(p: Permit, uscc: str, name: str, region_code: str) -> Snapshot:
    return {
        "id": p.id,
        "permit_no": p.permit_no,
        "uscc": uscc,
        "enterprise_name": name,
        "region_code": region_code,
        "category": p.category,
        "valid_from": iso(p.valid_from),
        "valid_until": iso(p.valid_until),
        "status": p.status,
        "revoked_at": iso(p.revoked_at),
        "limits": {lim.pollutant: str(lim.annual_limit_tonnes) for lim in p.limits},
    }


def disclosure_view(d: DisclosureReport, uscc: str, name: str, region_code: str) -> Snapshot:
    return {
        "id": d.id,
        "uscc": uscc,
        "enterprise_name": name,
        "region_code": region_code,
        "year": d.year,
        "submitted_at": iso(d.submitted_at),
        "url": d.url_or_text,
    }


def emission_view(e: EmissionAccount, uscc: str, name: str, region_code: str) -> Snapshot:
    return {
        "id": e.id,
        "uscc": uscc,
        "enterprise_name": name,
        "region_code": region_code,
        "year": e.year,
        "pollutant": e.pollutant,
        "generated_tonnes": str(e.generated_tonnes),
        "removal_efficiency": str(e.removal_efficiency),
        "operating_rate": str(e.operating_rate),
        "emitted_tonnes": str(e.emitted_tonnes),
    }


def record_snapshots(
    session: Session, model: Any, ids: Iterable[int | str], view: Callable[..., Snapshot | None]
) -> dict[str, Snapshot | None]:
    """Snapshots of an enterprise's records by id: ``view(record, uscc, name, region)`` for
    each found (None: not public), None for the rest."""
    int_ids = {int(i) for i in ids}
    out: dict[str, Snapshot | None] = {str(i): None for i in int_ids}
    if not int_ids:
        return out
    rows = session.execute(
        select(model, Enterprise.uscc, Enterprise.name, Enterprise.region_code)
        .join(Enterprise, Enterprise.id == model.enterprise_id)
        .where(model.id.in_(int_ids))
    )
    for record, uscc, name, region in rows:
        out[str(record.id)] = view(record, uscc, name, region)
    return out


def inspection_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, Snapshot | None]:
    """Public view of inspections by id; None for withdrawn ones."""
    return record_snapshots(
        session, Inspection, ids, lambda i, *a: None if i.withdrawn_at else inspection_view(i, *a)
    )


def permit_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, Snapshot | None]:
    """Public view of permits (with their limits) by id."""
    return record_snapshots(session, Permit, ids, permit_view)


def disclosure_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, Snapshot | None]:
    """Public view of disclosure reports by id."""
    return record_snapshots(session, DisclosureReport, ids, disclosure_view)


def emission_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, Snapshot | None]:
    """Public view of emission accounts by id."""
    return record_snapshots(session, EmissionAccount, ids, emission_view)
