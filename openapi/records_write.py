"""POST /api/v1/records/{kind}: regulators' case systems push records (scope records:write)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from credit.kinds import IMPORT_KINDS as KINDS
from credit.records.importing import push_records
from openapi.access import require_scope

blp = Blueprint(
    "records_write",
    __name__,
    url_prefix="/api/v1/records",
    description="记录写入 / Push records (same validation as `flask records import`)",
)


class RecordsInSchema(ma.Schema):
    records = fields.List(
        fields.Dict(keys=fields.String(), values=fields.Raw()),
        required=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "rows with the import format's field names"},
    )


class RecordsOutSchema(ma.Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


@blp.route(f"/<any({', '.join(KINDS)}):kind>")
class Records(MethodView):
    @blp.arguments(RecordsInSchema)
    @blp.response(200, RecordsOutSchema)
    @blp.alt_response(401, description="no or bad API key")
    @blp.alt_response(403, description="the key lacks the records:write scope")
    @blp.alt_response(422, description="row errors; nothing was stored")
    def post(self, body: dict[str, Any], kind: str) -> dict[str, int]:
        """Validate and upsert records, all or nothing; row errors come back as 422."""
        client = require_scope("records:write")
        result = push_records(get_session(), f"api_client:{client.id}", kind, body["records"])
        return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
