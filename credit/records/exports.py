"""Bulk exports of the public data: which rows and columns each export holds, read from one
database snapshot with the change-log seq it was taken at, encoded as CSV or NDJSON text in
constant memory. The web layer (openapi.exports) only streams what these generators yield.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, cast, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from core.changelog import last_seq
from core.db import get_db
from core.reference import Industry, Region
from credit.kinds import snapshots
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise, Penalty
from credit.records.publication import public_on

CHUNK = 2000
BATCH = 1000  # rows fetched from the cursor at a time (more only costs memory)


class yuan_text(FunctionElement[str]):
    """SQL: integer fen as yuan text with two decimals, 1234567 → '12345.67' (as
    credit.records.snapshots.yuan), computed by the database so rows need no Python per cell."""

    type = String()
    inherit_cache = True


@compiles(yuan_text, "sqlite")
def _yuan_sqlite(element: yuan_text, compiler: Any, **kw: Any) -> str:
    fen = compiler.process(element.clauses, **kw)
    return f"printf('%d.%02d', ({fen}) / 100, ({fen}) % 100)"


@compiles(yuan_text, "postgresql")
def _yuan_postgres(element: yuan_text, compiler: Any, **kw: Any) -> str:
    fen = compiler.process(element.clauses, **kw)
    return f"to_char(({fen}) / 100.0, 'FM999999999999999990.00')"


def iso_text(column: Any) -> Any:
    """SQL: a date column as ISO text (SQLite stores it so; PostgreSQL's DateStyle is ISO)."""
    return cast(column, String)


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


@dataclass(frozen=True)
class Resource:
    """One export: the snapshot entity (NDJSON), its public key, and the CSV table.

    ``columns`` pairs each CSV field (with its Table Schema type) with the SQL expression
    that reads it and an optional converter, so the CSV streams straight from one cursor
    instead of through per-row snapshots. tests/api/test_exports.py proves the two agree.
    """

    entity: str
    key: Any
    base: Callable[[dt.date], Select[Any]]
    columns: list[tuple[str, str, Any, Callable[[Any], Any] | None]]

    @property
    def fields(self) -> list[tuple[str, str]]:
        return [(name, kind) for name, kind, _expr, _conv in self.columns]

    def csv_query(self, today: dt.date) -> Select[Any]:
        return self.base(today).with_only_columns(*(c[2] for c in self.columns)).order_by(self.key)

    def list_query(self, today: dt.date, where: Any, limit: int) -> Select[Any]:
        """The CSV rows of a page's list: narrowed by ``where``, newest key first, capped."""
        return (
            self.base(today)
            .with_only_columns(*(c[2] for c in self.columns))
            .where(*where)
            .order_by(self.key.desc())
            .limit(limit)
        )

    def key_query(self, today: dt.date) -> Select[Any]:
        return self.base(today).with_only_columns(self.key).order_by(self.key)


def _enterprises(_today: dt.date) -> Select[Any]:
    return (
        select(Enterprise.uscc)
        .outerjoin(Region, Region.code == Enterprise.region_code)
        .outerjoin(Industry, Industry.code == Enterprise.industry_code)
        .outerjoin(
            CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current
        )
    )


def _ratings(_today: dt.date) -> Select[Any]:
    return select(Enterprise.uscc).join(
        CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current
    )


def _penalties(today: dt.date) -> Select[Any]:
    return (
        select(Penalty.id)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(public_on(today))
    )


RESOURCES: dict[str, Resource] = {
    "enterprises": Resource(
        "enterprise",
        Enterprise.uscc,
        _enterprises,
        [
            ("uscc", "string", Enterprise.uscc, None),
            ("name", "string", Enterprise.name, None),
            ("legal_representative", "string", Enterprise.legal_representative, None),
            ("region_code", "string", Enterprise.region_code, None),
            ("region_name", "string", Region.name, None),
            ("industry_code", "string", Enterprise.industry_code, None),
            ("industry_name", "string", Industry.name, None),
            ("address", "string", Enterprise.address, None),
            ("latitude", "number", Enterprise.latitude, _float),
            ("longitude", "number", Enterprise.longitude, _float),
            ("permit_category", "string", Enterprise.permit_category, None),
            ("status", "string", Enterprise.status, None),
            ("level", "string", CreditRating.level, None),
            ("score", "integer", CreditRating.score, None),
            ("rated_as_of", "date", iso_text(CreditRating.as_of), None),
        ],
    ),
    "ratings": Resource(
        "rating",
        Enterprise.uscc,
        _ratings,
        [
            ("uscc", "string", Enterprise.uscc, None),
            ("score", "integer", CreditRating.score, None),
            ("level", "string", CreditRating.level, None),
            ("computed_level", "string", CreditRating.computed_level, None),
            ("rulebook", "string", CreditRating.rulebook_version, None),
            ("as_of", "date", iso_text(CreditRating.as_of), None),
        ],
    ),
    "penalties": Resource(
        "penalty",
        Penalty.id,
        _penalties,
        [
            ("id", "integer", Penalty.id, None),
            ("decision_no", "string", Penalty.decision_no, None),
            ("uscc", "string", Enterprise.uscc, None),
            ("enterprise_name", "string", Enterprise.name, None),
            ("region_code", "string", Enterprise.region_code, None),
            ("violation_type", "string", Penalty.violation_type, None),
            ("facts", "string", Penalty.facts, None),
            ("legal_basis", "string", Penalty.legal_basis, None),
            ("fine_amount", "number", yuan_text(Penalty.fine_amount_fen), None),
            ("confiscated_amount", "number", yuan_text(Penalty.confiscated_amount_fen), None),
            ("decision_date", "date", iso_text(Penalty.decision_date), None),
            ("authority", "string", Penalty.authority, None),
            ("severity", "string", Penalty.severity, None),
            ("publish_until", "date", iso_text(Penalty.publish_until), None),
        ],
    ),
}


def package_contents(session: Session) -> tuple[dict[str, list[tuple[str, str]]], int]:
    """What the data package describes: every export's CSV columns with their Table Schema
    types, and the change-log seq the exports would be taken at now."""
    return {name: resource.fields for name, resource in RESOURCES.items()}, last_seq(session)


@dataclass
class Export:
    """One export about to be read: its own session (one snapshot), the seq of that snapshot
    and the day it is taken on. ``rows()`` yields the encoded body and closes the session at
    the end; ``close()`` may be called any number of times (also when the body is never read).
    """

    name: str
    fmt: str
    session: Session
    seq: int
    today: dt.date
    #: a page's list (``list_export``): its filter conditions and row cap
    where: tuple[Any, ...] | None = None
    limit: int = 0

    def rows(self) -> Iterator[str]:
        resource = RESOURCES[self.name]
        if self.fmt == "csv":
            query = (
                resource.list_query(self.today, self.where, self.limit)
                if self.where is not None
                else None
            )
            return csv_chunks(resource, self.session, self.today, query, bom=query is not None)
        return ndjson_lines(resource, self.session, self.today)

    def close(self) -> None:
        self.session.close()


def open_export(name: str, fmt: str, today: dt.date) -> Export:
    """An export of ``name`` (one of RESOURCES) in ``fmt`` (csv or ndjson) on a session whose
    reads all see one snapshot, with the change-log seq of that snapshot.

    SQLite (WAL) keeps one read snapshot for the whole transaction; PostgreSQL does under
    REPEATABLE READ. So the seq stated with the export is exactly where a partner's feed
    should start. The caller closes the export (``close()``) when it does not read it.
    """
    session = snapshot_session()
    try:
        return Export(name, fmt, session, last_seq(session), today)
    except Exception:
        session.close()
        raise


def snapshot_session() -> Session:
    """A new session whose reads all see one snapshot of the database (the caller closes it).

    SQLite (WAL) keeps one read snapshot for the whole transaction; PostgreSQL does under
    REPEATABLE READ. Rows read and ``last_seq`` read on it agree.
    """
    session = get_db().new_session()
    try:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return session
    except Exception:
        session.close()
        raise


def list_export(name: str, today: dt.date, where: tuple[Any, ...], limit: int) -> Export:
    """The CSV of a page's list (the enterprises or penalties a page shows, with its filters):
    at most ``limit`` rows, newest first, UTF-8 with a BOM so that Excel reads the Chinese."""
    export = open_export(name, "csv", today)
    export.where, export.limit = where, limit
    return export


def csv_chunks(
    resource: Resource,
    session: Session,
    today: dt.date,
    query: Select[Any] | None = None,
    bom: bool = False,
) -> Iterator[str]:
    """The CSV rows, straight from one streamed cursor, in chunks of about 64 kB; the session
    is closed at the end."""
    try:
        yield from encode_csv(resource, session, today, query, bom)
    finally:
        session.close()


def encode_csv(
    resource: Resource,
    session: Session,
    today: dt.date,
    query: Select[Any] | None = None,
    bom: bool = False,
) -> Iterator[str]:
    """The CSV text of ``resource`` read on ``session`` (left open), in chunks of ~64 kB."""
    converters = [(i, conv) for i, (_n, _k, _e, conv) in enumerate(resource.columns) if conv]
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([name for name, _kind in resource.fields])
    # Core rows from the session's connection (and transaction): no ORM row processing
    result = session.connection().execute(
        query if query is not None else resource.csv_query(today),
        execution_options={"yield_per": BATCH},
    )
    for batch in result.partitions():
        if converters:
            rows: list[Any] = [list(r) for r in batch]
            for row in rows:
                for i, conv in converters:
                    row[i] = conv(row[i])
        else:
            rows = list(batch)
        writer.writerows(rows)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ndjson_lines(resource: Resource, session: Session, today: dt.date) -> Iterator[str]:
    """Full public snapshots, a chunk of keys at a time (keyset paging, constant memory); the
    session is closed at the end."""
    try:
        yield from encode_ndjson(resource, session, today)
    finally:
        session.close()


def encode_ndjson(resource: Resource, session: Session, today: dt.date) -> Iterator[str]:
    """The NDJSON lines of ``resource`` read on ``session`` (left open)."""
    last = None
    while True:
        query = resource.key_query(today).limit(CHUNK)
        if last is not None:
            query = query.where(resource.key > last)
        keys = list(session.scalars(query))
        if not keys:
            return
        last = keys[-1]
        snaps = snapshots(session, resource.entity, [str(k) for k in keys], today)
        for key in keys:
            if (snap := snaps.get(str(key))) is not None:
                yield json.dumps(snap, ensure_ascii=False, default=str) + "\n"
        session.expunge_all()
