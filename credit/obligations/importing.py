"""The ``obligations`` import kind: (uscc, year) rows of the obliged-to-disclose list.

All or nothing like every kind (``credit.records.importing``): an unknown USCC, a bad year
or a (uscc, year) twice in one file is a row error and nothing is stored. A new obligation
writes an ``enterprise`` change-log row (the list is part of the enterprise's public file
and can move its rating); re-importing the same list changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changelog import record_change
from core.messages import msg
from credit.obligations.models import DisclosureObligation
from credit.records.rows import ImportResult, RowError, enterprise_ids

Parsed = list[tuple[int, dict[str, Any]]]


def check_obligations(session: Session, parsed: Parsed, result: ImportResult) -> Parsed:
    """Each (uscc, year) once per file (across chunks), and the USCC a known enterprise."""
    ids = enterprise_ids(session, (v.get("uscc") or "" for _, v in parsed))
    seen = result.seen
    good = []
    for number, values in parsed:
        uscc, year = values.get("uscc"), values.get("year")
        if uscc is None or year is None:
            continue  # already a row error
        if uscc not in ids:
            result.errors.append(RowError(number, "uscc", uscc, msg("未找到该企业，请先导入企业")))
            continue
        first = seen.setdefault((uscc, year), number)
        if first != number:
            result.errors.append(
                RowError(
                    number,
                    "year",
                    str(year),
                    msg("与第 %(row)s 行重复（同一企业同一年度）", row=first),
                )
            )
            continue
        values["enterprise_id"] = ids[uscc]
        good.append((number, values))
    return good


def upsert_obligations(session: Session, parsed: Parsed, result: ImportResult) -> None:
    """Create the obligations not yet listed; the others are unchanged."""
    wanted = {(v["enterprise_id"], v["year"]) for _, v in parsed}
    if not wanted:
        return
    existing = {
        (o.enterprise_id, o.year)
        for o in session.scalars(
            select(DisclosureObligation).where(
                DisclosureObligation.enterprise_id.in_({eid for eid, _ in wanted})
            )
        )
    }
    created: dict[int, str] = {}
    for _number, values in parsed:
        key = (values["enterprise_id"], values["year"])
        if key in existing:
            result.unchanged += 1
            continue
        existing.add(key)
        session.add(DisclosureObligation(enterprise_id=key[0], year=key[1]))
        created[key[0]] = values["uscc"]
        result.created += 1
    session.flush()
    for enterprise_id, uscc in created.items():
        record_change(session, "enterprise", uscc, enterprise_id=enterprise_id)
