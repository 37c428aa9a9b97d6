"""Per-kind upserts by natural key: one SELECT per chunk, a change-log row per real change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.changelog import record_change
from core.messages import msg
from credit.places.imports import flag_contradicted
from credit.records.emissions import emitted_tonnes
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
    PermitLimit,
)
from credit.records.publication import default_publish_until
from credit.records.rows import ImportResult, RowError, enterprise_ids, permit_problem
from credit.records.snapshots import EMBEDDED_ENTERPRISE_COLUMNS, enterprise_records

Parsed = list[tuple[int, dict[str, Any]]]


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True if anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _count(result: ImportResult, created: bool, changed: bool) -> None:
    if created:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1


def _owners(session: Session, parsed: Parsed, result: ImportResult) -> tuple[Parsed, dict]:
    """Rows whose USCC names a known enterprise, and the uscc → id map."""
    ids = enterprise_ids(session, (v["uscc"] for _, v in parsed))
    good = []
    for number, values in parsed:
        if values["uscc"] in ids:
            good.append((number, values))
        else:
            result.errors.append(
                RowError(
                    number,
                    "uscc",
                    values["uscc"],
                    msg("未找到该企业，请先导入企业"),
                )
            )
    return good, ids


def _upsert(
    session: Session,
    model: Any,
    key: Any,
    parsed: Parsed,
    ids: dict[str, int],
    existing: dict[Any, Any],
    result: ImportResult,
    build: Any,
) -> None:
    """Generic loop: build the columns, update or create, record real changes."""
    pending: list[Any] = []
    for _number, values in parsed:
        eid = ids.get(values.get("uscc", ""))
        columns = build(values, eid)
        natural = key(columns)
        obj = existing.get(natural)
        created = obj is None
        if created:
            obj = existing[natural] = model(**columns)
            session.add(obj)
            changed = True
        else:
            changed = _apply(obj, columns)
        _count(result, created, changed)
        if changed:
            pending.append(obj)
    session.flush()
    for obj in pending:
        is_enterprise = model is Enterprise
        record_change(
            session,
            model.entity,
            obj.uscc if is_enterprise else obj.id,
            enterprise_id=obj.id if is_enterprise else obj.enterprise_id,
        )


def upsert_enterprises(session: Session, parsed: Parsed, result: ImportResult) -> None:
    """Codes were checked by import_rows (check_codes)."""
    usccs = {v["uscc"] for _, v in parsed}
    existing = {
        e.uscc: e for e in session.scalars(select(Enterprise).where(Enterprise.uscc.in_(usccs)))
    }

    def build(v: dict[str, Any], _eid: int | None) -> dict[str, Any]:
        return {
            **{
                k: v[k]
                for k in (
                    "uscc",
                    "name",
                    "legal_representative",
                    "region_code",
                    "industry_code",
                    "address",
                    "latitude",
                    "longitude",
                    "permit_category",
                )
            },
            "status": v["status"] or "operating",
        }

    def embedded(e: Enterprise) -> tuple[Any, ...]:
        return tuple(getattr(e, c) for c in EMBEDDED_ENTERPRISE_COLUMNS)

    before = {e.id: (e, embedded(e)) for e in existing.values()}
    _upsert(session, Enterprise, lambda c: c["uscc"], parsed, {}, existing, result, build)
    flag_contradicted(session, "enterprise", [(existing[v["uscc"]].id, v) for _, v in parsed])
    moved = [eid for eid, (e, old) in before.items() if embedded(e) != old]
    # record snapshots embed the enterprise's name and region: mirrors must get them anew
    for entity, record_id, enterprise_id in enterprise_records(session, moved):
        record_change(session, entity, record_id, enterprise_id=enterprise_id)


def upsert_permits(session: Session, parsed: Parsed, result: ImportResult) -> None:
    good = []
    for number, values in parsed:
        if problem := permit_problem(values):
            result.errors.append(RowError(number, "permit_no", values["permit_no"], problem))
        elif values["valid_from"] > values["valid_until"]:
            result.errors.append(
                RowError(
                    number,
                    "valid_until",
                    str(values["valid_until"]),
                    msg("早于 valid_from"),
                )
            )
        else:
            good.append((number, values))
    parsed, ids = _owners(session, good, result)
    numbers = {v["permit_no"] for _, v in parsed}
    existing = {
        p.permit_no: p
        for p in session.scalars(
            select(Permit).where(Permit.permit_no.in_(numbers)).options(selectinload(Permit.limits))
        )
    }
    limits = {v["permit_no"]: v["limits"] for _, v in parsed}

    def build(v: dict[str, Any], eid: int | None) -> dict[str, Any]:
        return {
            "enterprise_id": eid,
            "permit_no": v["permit_no"],
            "category": v["category"],
            "valid_from": v["valid_from"],
            "valid_until": v["valid_until"],
            "status": v["status"] or "valid",
            "revoked_at": v["revoked_at"],
        }

    _upsert(session, Permit, lambda c: c["permit_no"], parsed, ids, existing, result, build)
    _replace_limits(session, existing, limits, result)


def _replace_limits(
    session: Session,
    permits: dict[str, Permit],
    limits: dict[str, dict[str, Any] | None],
    result: ImportResult,
) -> None:
    for number, wanted in limits.items():
        permit = permits[number]
        current = {lim.pollutant: lim.annual_limit_tonnes for lim in permit.limits}
        if wanted is None or current == wanted:
            continue
        permit.limits[:] = [
            PermitLimit(pollutant=p, annual_limit_tonnes=t) for p, t in sorted(wanted.items())
        ]
        session.flush()
        if current and result.unchanged:  # a limit-only change turns "unchanged" into "updated"
            result.unchanged -= 1
            result.updated += 1
        record_change(session, Permit.entity, permit.id, enterprise_id=permit.enterprise_id)


def upsert_inspections(session: Session, parsed: Parsed, result: ImportResult) -> None:
    parsed, ids = _owners(session, parsed, result)
    refs = {v["ref"] for _, v in parsed if v["ref"]}
    existing: dict[Any, Any] = (
        {i.ref: i for i in session.scalars(select(Inspection).where(Inspection.ref.in_(refs)))}
        if refs
        else {}
    )
    for i in session.scalars(
        select(Inspection).where(
            Inspection.enterprise_id.in_(set(ids.values())), Inspection.ref.is_(None)
        )
    ):
        existing[(i.enterprise_id, i.date, i.agency)] = i

    def build(v: dict[str, Any], eid: int | None) -> dict[str, Any]:
        return {
            "enterprise_id": eid,
            "ref": v["ref"],
            "date": v["date"],
            "agency": v["agency"],
            "kind": v["kind"],
            "outcome": v["outcome"],
            "findings": v["findings"],
        }

    _upsert(
        session,
        Inspection,
        lambda c: c["ref"] or (c["enterprise_id"], c["date"], c["agency"]),
        parsed,
        ids,
        existing,
        result,
        build,
    )


def upsert_penalties(session: Session, parsed: Parsed, result: ImportResult) -> None:
    good = []
    for number, v in parsed:
        v["publish_until"] = v["publish_until"] or default_publish_until(
            v["severity"], v["decision_date"]
        )
        if v["publish_until"] < v["decision_date"]:
            result.errors.append(
                RowError(
                    number,
                    "publish_until",
                    str(v["publish_until"]),
                    msg("早于处罚决定日期"),
                )
            )
        else:
            good.append((number, v))
    parsed, ids = _owners(session, good, result)
    numbers = {v["decision_no"] for _, v in parsed}
    existing = {
        p.decision_no: p
        for p in session.scalars(select(Penalty).where(Penalty.decision_no.in_(numbers)))
    }
    copied = (
        "decision_no",
        "violation_type",
        "facts",
        "legal_basis",
        "penalty_kinds",
        "content",
        "licence_affected",
        "decision_date",
        "authority",
        "authority_uscc",
        "data_source",
        "data_source_uscc",
        "severity",
        "publish_until",
        "revoked_at",
        "remarks",
    )

    def build(v: dict[str, Any], eid: int | None) -> dict[str, Any]:
        return {
            "enterprise_id": eid,
            **{k: v[k] for k in copied},
            "fine_amount_fen": v["fine_amount"] or 0,
            "confiscated_amount_fen": v["confiscated_amount"] or 0,
            "criminal_transfer": bool(v["criminal_transfer"]),
        }

    _upsert(session, Penalty, lambda c: c["decision_no"], parsed, ids, existing, result, build)


def upsert_disclosures(session: Session, parsed: Parsed, result: ImportResult) -> None:
    parsed, ids = _owners(session, parsed, result)
    existing = {
        (d.enterprise_id, d.year): d
        for d in session.scalars(
            select(DisclosureReport).where(DisclosureReport.enterprise_id.in_(set(ids.values())))
        )
    }
    _upsert(
        session,
        DisclosureReport,
        lambda c: (c["enterprise_id"], c["year"]),
        parsed,
        ids,
        existing,
        result,
        lambda v, eid: {
            "enterprise_id": eid,
            "year": v["year"],
            "submitted_at": v["submitted_at"],
            "url_or_text": v["url"],
        },
    )


def upsert_emissions(session: Session, parsed: Parsed, result: ImportResult) -> None:
    parsed, ids = _owners(session, parsed, result)
    existing = {
        (e.enterprise_id, e.year, e.pollutant): e
        for e in session.scalars(
            select(EmissionAccount).where(EmissionAccount.enterprise_id.in_(set(ids.values())))
        )
    }

    def build(v: dict[str, Any], eid: int | None) -> dict[str, Any]:
        return {
            "enterprise_id": eid,
            "year": v["year"],
            "pollutant": v["pollutant"],
            "generated_tonnes": v["generated_tonnes"],
            "removal_efficiency": v["removal_efficiency"],
            "operating_rate": v["operating_rate"],
            "emitted_tonnes": emitted_tonnes(
                v["generated_tonnes"], v["removal_efficiency"], v["operating_rate"]
            ),
        }

    _upsert(
        session,
        EmissionAccount,
        lambda c: (c["enterprise_id"], c["year"], c["pollutant"]),
        parsed,
        ids,
        existing,
        result,
        build,
    )
