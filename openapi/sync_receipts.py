"""POST /api/v1/changes/ack: a partner's sync receipt (credit.partners.receipts). Its own
blueprint: it needs a partner key (openapi.spec.SCOPED), the feed it acknowledges does not."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from credit.partners.receipts import BeyondHead, acknowledge
from openapi.access import require_scope
from openapi.api import PROBLEM_CONTENT_TYPE
from openapi.changes import CursorProblemSchema, cursor_beyond_head
from openapi.schemas import MAX_SEQ

blp = Blueprint(
    "sync_receipts",
    __name__,
    url_prefix="/api/v1/changes",
    description="同步回执 / Sync receipts: how far a partner's mirror has applied the feed",
)


class AckInSchema(ma.Schema):
    seq = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_SEQ),
        metadata={"description": "the newest seq the mirror has applied (its `next_after`)"},
    )


class AckSchema(ma.Schema):
    """The partner's sync position after the acknowledgement."""

    seq = fields.Integer(required=True, metadata={"description": "the newest seq acknowledged"})
    at = fields.DateTime(required=True, metadata={"description": "when it was first acknowledged"})
    advanced = fields.Boolean(
        required=True, metadata={"description": "false: already acknowledged this far"}
    )
    last_seq = fields.Integer(required=True, metadata={"description": "the feed's newest seq"})


@blp.route("/ack")
class ChangesAck(MethodView):
    @blp.arguments(AckInSchema)
    @blp.response(200, AckSchema)
    @blp.alt_response(401, description="no or bad API key")
    @blp.alt_response(
        409,
        schema=CursorProblemSchema,
        content_type=PROBLEM_CONTENT_TYPE,
        description="`seq` is beyond the head of the feed; nothing stored",
    )
    @blp.alt_response(422, description="`seq` missing or not a whole number ≥ 0")
    def post(self, body: dict[str, Any]) -> Any:
        """A sync receipt: the partner's mirror has applied the feed up to ``seq``
        (acknowledging the same or an earlier seq again changes nothing)."""
        try:
            ack = acknowledge(get_session(), require_scope("read").id, body["seq"])
        except BeyondHead as exc:
            return cursor_beyond_head(body["seq"], exc.head, exc.message)
        return ack, 200, {"Cache-Control": "no-store"}
