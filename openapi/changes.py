"""/api/v1/changes: the gapless, ordered change feed for mirrors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy.orm import Session

from core.changelog import ChangeLog, last_seq, read_changes
from core.clock import today as china_today
from core.db import get_session
from core.web import problem
from credit.kinds import snapshots
from openapi.api import PROBLEM_CONTENT_TYPE, ProblemSchema
from openapi.headers import next_link, query_params
from openapi.schemas import ChangesQuerySchema, ChangesSchema


class CursorProblemSchema(ProblemSchema):
    """The problem of a cursor beyond the head, with the head itself."""

    last_seq = fields.Integer(required=True, metadata={"description": "the newest seq"})


blp = Blueprint(
    "changes",
    __name__,
    url_prefix="/api/v1/changes",
    description="变更流 / Change feed for incremental mirroring",
)


def change_page(after: int, limit: int, today: dt.date) -> dict[str, Any]:
    """Changes after ``after`` with each entity's current public snapshot.

    An entity that is no longer public appears as a delete, so a mirror applying the feed
    in order ends equal to a fresh export.
    """
    session = get_session()
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


@blp.route("")
class Changes(MethodView):
    @blp.arguments(ChangesQuerySchema, location="query")
    @blp.response(200, ChangesSchema)
    @blp.alt_response(
        409,
        schema=CursorProblemSchema,
        content_type=PROBLEM_CONTENT_TYPE,
        description="`after` is beyond the head of the feed",
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Change events with seq > after, oldest first (gapless)."""
        page = change_page(args["after"], args["limit"], china_today())
        if args["after"] > page["last_seq"]:
            return cursor_beyond_head(args["after"], page["last_seq"])
        headers = {"X-Change-Seq": str(page["last_seq"])}
        if len(page["changes"]) == args["limit"]:
            headers.update(next_link(page["next_after"], query_params(ChangesQuerySchema)))
        return page, 200, headers


def cursor_beyond_head(after: int, head: int) -> Response:
    """409: ``after`` is past the newest seq (a mirror of another instance, or of this one
    before a restore); the body's ``last_seq`` says where the feed ends."""
    return problem(
        409,
        "",
        f"after={after} 超出变更流末端 {head}：请从导出或 after={head} "
        f"重新同步 / after={after} is beyond the head of the feed ({head}); resync "
        "from an export or from last_seq",
        "cursor-beyond-head",
        extensions={"last_seq": head},
        headers={"X-Change-Seq": str(head), "Cache-Control": "no-store"},
    )
