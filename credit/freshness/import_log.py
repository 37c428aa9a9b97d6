"""The import log: record a committed import, and each source's last import.

An import source is a kind of records and the channel it came by (a file through
`flask records import`, or a case system's push through `POST /api/v1/records/{kind}`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from credit.freshness.models import ImportRun

SOURCE_CHARS = 200


class Counts(Protocol):
    """What an import's result says: rows created, updated and unchanged."""

    created: int
    updated: int
    unchanged: int


def log_import(session: Session, kind: str, channel: str, source: str, result: Counts) -> ImportRun:
    """Append one row to the import log for an import that is about to commit."""
    run = ImportRun(
        kind=kind,
        channel=channel,
        source=(source or "")[:SOURCE_CHARS],
        rows=result.created + result.updated + result.unchanged,
        created=result.created,
        updated=result.updated,
        at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run


@dataclass(frozen=True)
class LastImport:
    """An import source's newest import (public: no file or client name)."""

    kind: str
    channel: str
    at: dt.datetime
    rows: int
    created: int
    updated: int


def last_imports(session: Session) -> list[LastImport]:
    """Each (kind, channel)'s newest import, newest first."""
    newest = (
        select(func.max(ImportRun.id).label("id"))
        .group_by(ImportRun.kind, ImportRun.channel)
        .subquery()
    )
    runs = session.scalars(
        select(ImportRun).join(newest, newest.c.id == ImportRun.id).order_by(ImportRun.at.desc())
    )
    return [LastImport(r.kind, r.channel, r.at, r.rows, r.created, r.updated) for r in runs]
