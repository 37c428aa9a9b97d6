"""GET /api/v1/disclosures: the obliged-to-disclose list of a year with each status
(``credit.obligations.status``, the same answer as the /disclosures page)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.clock import today as china_today
from core.db import get_session
from credit.obligations.status import STATUSES, obligation_list
from credit.ratings.loader import active_rulebook

blp = Blueprint(
    "disclosure_lists",
    __name__,
    url_prefix="/api/v1",
    description="依法披露名单 / The obliged-to-disclose list and each enterprise's status",
)


class DisclosureListArgs(ma.Schema):
    year = fields.Integer(
        validate=validate.Range(1990, 2100),
        metadata={"description": "the report year (default: the latest year listed)"},
    )
    region = fields.String(
        load_default="",
        validate=validate.Regexp(r"^([0-9]{6})?$"),
        metadata={"description": "a GB/T 2260 code: the enterprises registered inside it"},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class ObligationItemSchema(ma.Schema):
    uscc = fields.String(required=True)
    name = fields.String(required=True)
    region_code = fields.String(allow_none=True)
    year = fields.Integer(required=True)
    due = fields.Date(required=True, metadata={"description": "the report's due date"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "on_time | late | missing | not_yet_due (China date today)"},
    )
    submitted_at = fields.Date(
        allow_none=True, metadata={"description": "the report's date; null when none yet"}
    )


class StatusCountsSchema(ma.Schema):
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)
    missing = fields.Integer(required=True)
    not_yet_due = fields.Integer(required=True)


class DisclosureListSchema(ma.Schema):
    year = fields.Integer(required=True)
    region = fields.String(required=True)
    due = fields.Date(required=True)
    counts = fields.Nested(
        StatusCountsSchema, required=True, metadata={"description": "over the whole list"}
    )
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    items = fields.List(fields.Nested(ObligationItemSchema), required=True, attribute="rows")


@blp.route("/disclosures")
class Disclosures(MethodView):
    @blp.arguments(DisclosureListArgs, location="query")
    @blp.response(200, DisclosureListSchema)
    @blp.alt_response(400, description="unknown region, or a page beyond the last")
    def get(self, args: dict[str, Any]) -> Any:
        """The enterprises obliged to disclose for a year, in region and USCC order, with
        each one's status and the count per status; numbered pages of `limit`."""
        return obligation_list(
            get_session(),
            active_rulebook(),
            china_today(),
            year=args.get("year"),
            region=args["region"],
            page=args["page"],
            per_page=args["limit"],
        )
