"""Writing the credit file: validate rows of any kind and upsert them by natural key.

Shared by `flask records import` and `POST /api/v1/records/{kind}`. Functions flush and
never commit; a row error means the caller rolls back (all-or-nothing). A change-log row
is written only for records that actually changed, so re-importing a file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Invalid
from core.messages import msg
from credit.freshness.import_log import log_import
from credit.kinds import import_kind
from credit.records.columns import parse_row
from credit.records.rows import ImportResult

CHUNK = 1000


def chunks(
    rows: Iterable[tuple[int, dict[str, Any]]], size: int = CHUNK
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_rows(
    session: Session,
    kind: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    advance: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate and upsert every row; on any error the caller must roll back."""
    record_kind = import_kind(kind)
    result = ImportResult()
    for batch in chunks(rows):
        parsed, failed = [], set()
        for number, row in batch:
            values, errors = parse_row(kind, number, row)
            result.errors += errors
            parsed.append((number, values))
            if errors:
                failed.add(number)
        if record_kind.check:  # reported even for rows with other errors
            before = len(result.errors)
            parsed = record_kind.check(session, parsed, result)
            failed |= {e.row for e in result.errors[before:]}
        assert record_kind.upsert is not None
        record_kind.upsert(session, [(n, v) for n, v in parsed if n not in failed], result)
        if advance:
            advance(len(batch))
    return result


def push_records(
    session: Session, actor: str, kind: str, records: list[dict[str, Any]]
) -> ImportResult:
    """Records pushed by a case system (``POST /records/{kind}``): validated and upserted
    like an import, all or nothing (Invalid naming each bad field), and audited."""
    rows = [
        (n, {k: "" if v is None else str(v) for k, v in row.items()})
        for n, row in enumerate(records, start=1)
    ]
    result = import_rows(session, kind, rows)
    if result.errors:
        raise Invalid(
            msg("%(n)s 处错误，未保存任何数据", n=len(result.errors)),
            {f"records[{e.row}].{e.column}": [e.reason] for e in result.errors[:200]},
        )
    audit(
        session,
        actor,
        "records.push",
        f"kind:{kind}",
        {"created": result.created, "updated": result.updated},
    )
    log_import(session, kind, "api", actor, result)
    return result
