"""/api/v1/changes: the gapless, ordered change feed for mirrors (the events are built by
credit.partners.feed)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from core.clock import today as china_today
from core.db import get_session
from core.messages import msg
from core.web import problem
from credit.partners.feed import change_page
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
        page = change_page(get_session(), args["after"], args["limit"], china_today())
        if args["after"] > page["last_seq"]:
            return cursor_beyond_head(args["after"], page["last_seq"])
        headers = {"X-Change-Seq": str(page["last_seq"])}
        if len(page["changes"]) == args["limit"]:
            headers.update(next_link(page["next_after"], query_params(ChangesQuerySchema)))
        return page, 200, headers


def cursor_beyond_head(after: int, head: int, message: str | None = None) -> Response:
    """409: ``after`` is past the newest seq (a mirror of another instance, or of this one
    before a restore); the body's ``last_seq`` says where the feed ends."""
    return problem(
        409,
        "",
        message
        or msg(
            "after=%(after)s 超出变更流末端 %(head)s：请从导出或 after=%(head)s 重新同步",
            after=after,
            head=head,
        ),
        "cursor-beyond-head",
        extensions={"last_seq": head},
        headers={"X-Change-Seq": str(head), "Cache-Control": "no-store"},
    )
