"""/api/v1/changes: the gapless, ordered change feed for mirrors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from core.changelog import ChangeLog, last_seq, read_changes
from core.clock import today as china_today
from core.db import get_session
from credit.public import snapshots
from openapi.schemas import ChangesQuerySchema, ChangesSchema

blp = Blueprint("changes", __name__, url_prefix="/api/v1/changes",
                description="变更流 / Change feed for incremental mirroring")


def change_page(after: int, limit: int, today: dt.date) -> dict[str, Any]:
    """Changes after ``after`` with each entity's current public snapshot.

    An entity that is no longer public appears as a delete, so a mirror applying the feed
    in order ends equal to a fresh export.
    """
    session = get_session()
    head = last_seq(session)
    rows = read_changes(session, after, limit)
    next_after = rows[-1].seq if rows else after
    return {"changes": change_events(session, rows, today), "next_after": next_after,
            "last_seq": head}


def change_events(session: Session, rows: Sequence[ChangeLog], today: dt.date
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
        events.append({"seq": row.seq, "at": row.at, "entity": row.entity, "id": row.entity_id,
                       "op": "upsert" if snap is not None else "delete", "snapshot": snap})
    return events


@blp.route("")
class Changes(MethodView):
    @blp.arguments(ChangesQuerySchema, location="query")
    @blp.response(200, ChangesSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Change events with seq > after, oldest first (gapless)."""
        page = change_page(args["after"], args["limit"], china_today())
        headers = {"X-Change-Seq": str(page["last_seq"])}
        if len(page["changes"]) == args["limit"]:
            nxt = f"{request.base_url}?after={page['next_after']}&limit={args['limit']}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return page, 200, headers
