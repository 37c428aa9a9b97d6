"""Keyset-paged queries for the API's record lists (published records only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.reference import region_prefix
from credit.kinds import snapshots
from credit.records.models import Enterprise, Inspection, Penalty, Permit

MODELS = {"penalty": Penalty, "inspection": Inspection, "permit": Permit}


def published(today: dt.date) -> list[Any]:
    """SQL conditions for a penalty that is public on ``today``."""
    return [Penalty.decision_date <= today, Penalty.publish_until > today,
            or_(Penalty.revoked_at.is_(None), Penalty.revoked_at > today),
            or_(Penalty.repaired_at.is_(None), Penalty.repaired_at > today)]


def record_page(session: Session, entity: str, args: dict[str, Any], today: dt.date
                ) -> tuple[list[dict[str, Any]], int | None]:
    """One page of public records of ``entity`` ordered by id, and the next cursor."""
    model = MODELS[entity]
    limit = args["limit"]
    stmt = (select(model.id).join(Enterprise, Enterprise.id == model.enterprise_id)
            .order_by(model.id).limit(limit + 1))
    if args.get("after"):
        stmt = stmt.where(model.id > args["after"])
    if args.get("uscc"):
        stmt = stmt.where(Enterprise.uscc == args["uscc"].strip().upper())
    if args.get("region"):
        stmt = stmt.where(Enterprise.region_code.startswith(region_prefix(args["region"])))
    if entity == "penalty":
        stmt = stmt.where(*published(today))
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
    return items, ids[-1] if more else None


def _wan(yuan: str) -> str:
    """CNY decimal string → 万元 decimal string (exact)."""
    value = (Decimal(yuan) / 10_000).normalize()
    return format(value, "f")


def cf_records(session: Session, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Penalty snapshots as 双公示 CF_* records (money in 万元)."""
    reps = dict(session.execute(select(Enterprise.uscc, Enterprise.legal_representative)
                                .where(Enterprise.uscc.in_({i["uscc"] for i in items}))).all())
    return [{
        "id": p["id"], "CF_XDR_MC": p["enterprise_name"], "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": p["uscc"], "CF_FRDB": reps.get(p["uscc"]) or "",
        "CF_WSH": p["decision_no"], "CF_WFXW": p["violation_type"], "CF_SY": p["facts"],
        "CF_YJ": p["legal_basis"], "CF_CFLB": ";".join(p["penalty_kinds"]),
        "CF_NR": p["content"] or "", "CF_NR_FK": _wan(p["fine_amount"]),
        "CF_NR_WFFF": _wan(p["confiscated_amount"]), "CF_NR_ZKDX": p["licence_affected"] or "",
        "CF_JDRQ": p["decision_date"], "CF_YXQ": p["publish_until"],
        "CF_GSJZQ": p["publish_until"], "CF_CFJG": p["authority"],
        "CF_CFJGDM": p["authority_uscc"] or "", "CF_SJLY": p["data_source"] or p["authority"],
        "CF_SJLYDM": p["data_source_uscc"] or "", "BZ": p["remarks"] or "",
    } for p in items]
