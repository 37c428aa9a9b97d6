"""The 双公示 administrative-penalty field set (CF_*), both directions: CF_* import columns
mapped onto our penalty columns, and penalty snapshots written out as CF_* records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.records import fields
from credit.records.models import Enterprise

#: CF_* column → our column; money columns are in 万元
CF_COLUMNS = {
    "CF_XDR_SHXYM": "uscc",
    "CF_WSH": "decision_no",
    "CF_WFXW": "violation_type",
    "CF_SY": "facts",
    "CF_YJ": "legal_basis",
    "CF_CFLB": "penalty_kinds",
    "CF_NR": "content",
    "CF_NR_ZKDX": "licence_affected",
    "CF_JDRQ": "decision_date",
    "CF_GSJZQ": "publish_until",
    "CF_CFJG": "authority",
    "CF_CFJGDM": "authority_uscc",
    "CF_SJLY": "data_source",
    "CF_SJLYDM": "data_source_uscc",
    "BZ": "remarks",
}
WAN_YUAN = {"CF_NR_FK": "fine_amount", "CF_NR_WFFF": "confiscated_amount"}


def is_cf(header: Iterable[str]) -> bool:
    return "CF_WSH" in set(header)


def _yuan(wan: str) -> str:
    """万元 → CNY as text (exact); an unparsable value is passed on for the row error."""
    try:
        return str(fields.decimal(wan, Decimal(0), None, places=6) * 10_000)
    except ValueError:
        return wan


def _severity(row: dict[str, Any]) -> str:
    """Without a severity column: 严重 when 公示截止期 is more than a year after the decision."""
    try:
        decided, until = (
            fields.date(str(row.get("CF_JDRQ", ""))),
            fields.date(str(row.get("CF_GSJZQ", ""))),
        )
    except ValueError:
        return "一般"
    try:
        year_later = decided.replace(year=decided.year + 1)
    except ValueError:  # 29 February
        year_later = decided.replace(year=decided.year + 1, day=28)
    return "严重" if until > year_later else "一般"


def map_cf_rows(rows: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict]]:
    """Rename CF_* columns (and convert 万元) so the penalty importer can read them."""
    for number, row in rows:
        out: dict[str, Any] = {ours: row[cf] for cf, ours in CF_COLUMNS.items() if cf in row}
        for cf, ours in WAN_YUAN.items():
            if str(row.get(cf) or "").strip():
                out[ours] = _yuan(str(row[cf]).strip())
        for key, value in row.items():  # our own columns may be mixed in (e.g. severity)
            if not key.upper().startswith("CF_") and key != "BZ":
                out.setdefault(key, value)
        if not str(out.get("severity") or "").strip():
            out["severity"] = _severity(row)
        yield number, out


def _wan(yuan: str) -> str:
    """CNY decimal string → 万元 decimal string (exact)."""
    value = (Decimal(yuan) / 10_000).normalize()
    return format(value, "f")


def cf_records(session: Session, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Penalty snapshots as 双公示 CF_* records (money in 万元)."""
    reps = dict(
        session.execute(
            select(Enterprise.uscc, Enterprise.legal_representative).where(
                Enterprise.uscc.in_({i["uscc"] for i in items})
            )
        ).all()
    )
    return [
        {
            "id": p["id"],
            "CF_XDR_MC": p["enterprise_name"],
            "CF_XDR_LB": "法人及非法人组织",
            "CF_XDR_SHXYM": p["uscc"],
            "CF_FRDB": reps.get(p["uscc"]) or "",
            "CF_WSH": p["decision_no"],
            "CF_WFXW": p["violation_type"],
            "CF_SY": p["facts"],
            "CF_YJ": p["legal_basis"],
            "CF_CFLB": ";".join(p["penalty_kinds"]),
            "CF_NR": p["content"] or "",
            "CF_NR_FK": _wan(p["fine_amount"]),
            "CF_NR_WFFF": _wan(p["confiscated_amount"]),
            "CF_NR_ZKDX": p["licence_affected"] or "",
            "CF_JDRQ": p["decision_date"],
            "CF_YXQ": p["publish_until"],
            "CF_GSJZQ": p["publish_until"],
            "CF_CFJG": p["authority"],
            "CF_CFJGDM": p["authority_uscc"] or "",
            "CF_SJLY": p["data_source"] or p["authority"],
            "CF_SJLYDM": p["data_source_uscc"] or "",
            "BZ": p["remarks"] or "",
        }
        for p in items
    ]
