"""The public change feed: change-log rows as events carrying each entity's current public
snapshot, a page at a time for mirrors (``/api/v1/changes``) and one at a time for webhook
deliveries, and the event's serialized shape that both send.

The change log itself (core.changelog) is infrastructure; turning its rows into public events
needs the snapshots of the record kinds (credit.kinds), so it lives here, with its consumers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from core.changelog import ChangeLog, last_seq, read_changes
from credit.kinds import snapshots


def change_page(session: Session, after: int, limit: int, today: dt.date) -> dict[str, Any]:
    """Changes after ``after`` with each entity's current public snapshot.

    An entity that is no longer public appears as a delete, so a mirror applying the feed
    in order ends equal to a fresh export.
    """
    head = last_seq(session)
    rows = read_changes(session, after, limit)
    next_after = rows[-1].seq if rows else after
    return {
        "changes": change_events(session, rows, today),
        "next_after": next_after,
        "last_seq": head,
    }


def change_events(
    session: Session, rows: Sequence[ChangeLog], today: dt.date
) -> list[dict[str, Any]]:
    """Change-log rows as public events: upserts carry the snapshot, the rest are deletes."""
    ids: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.op == "upsert":
            ids[row.entity].add(row.entity_id)
    snaps = {entity: snapshots(session, entity, keys, today) for entity, keys in ids.items()}
    events = []
    for row in rows:
        snap = snaps.get(row.entity, {}).get(row.entity_id) if row.op == "upsert" else None
        events.append(
            {
                "seq": row.seq,
                "at": row.at,
                "entity": row.entity,
                "id": row.entity_id,
                "op": "upsert" if snap is not None else "delete",
                "snapshot": snap,
            }
        )
    return events


def change_event(session: Session, seq: int, today: dt.date) -> dict[str, Any] | None:
    """The event of change ``seq`` as of ``today`` (None if the log holds no such seq)."""
    change = session.get(ChangeLog, seq)
    return change_events(session, [change], today)[0] if change is not None else None


def event_payload(event: dict[str, Any]) -> dict[str, Any]:
    """An event in its serialized shape (JSON types, ``at`` in ISO 8601), field for field what
    openapi.schemas.ChangeEventSchema dumps for ``/changes`` (tests/api prove they agree)."""
    at = event["at"]
    return {
        "seq": int(event["seq"]),
        "at": at.isoformat() if at is not None else None,
        "entity": _text(event["entity"]),
        "id": _text(event["id"]),
        "op": _text(event["op"]),
        "snapshot": event["snapshot"],
    }


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
