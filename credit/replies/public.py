"""Approved replies as the public sees them: next to the record on the enterprise's page,
and as ``reply`` entities in the change feed, exports and webhooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import iso
from credit.records.snapshots import record_snapshots
from credit.replies.models import Reply

#: (target type, target id or None for the rating)
Target = tuple[str, int | None]


def public_replies(session: Session, enterprise_id: int) -> dict[Target, Reply]:
    """The enterprise's approved replies by what they answer (one per record)."""
    rows = session.scalars(
        select(Reply).where(Reply.enterprise_id == enterprise_id, Reply.status == "approved")
    )
    return {(r.target_type, r.target_id): r for r in rows}


def reply_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, dict[str, Any] | None]:
    """Public view of replies by id; None unless approved (the feed says delete)."""
    return record_snapshots(session, Reply, ids, _reply_view)


def _reply_view(reply: Reply, uscc: str, _name: str, _region: str) -> dict[str, Any] | None:
    if reply.status != "approved":
        return None
    return {
        "id": reply.id,
        "uscc": uscc,
        "target_type": reply.target_type,
        "target_id": reply.target_id,
        "text": reply.text,
        "lang": "zh-CN",
        "approved_on": iso(reply.approved_on),
    }
