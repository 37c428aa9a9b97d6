"""/api/v1/enterprises/{uscc}/rating and /ratings: the level, why, and its history."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from core.clock import today as china_today
from core.db import get_session
from credit.ratings.loader import active_rulebook
from credit.ratings.snapshots import adjustment_views, rating_view
from credit.ratings.time_travel import rating_as_of, rating_json, require_rated
from credit.records.listing import get_enterprise, rating_history
from openapi.schemas import api_date
from openapi.snapshot_schemas import RatingSchema

blp = Blueprint(
    "ratings",
    __name__,
    url_prefix="/api/v1/enterprises",
    description="信用评价 / Credit ratings with explanations",
)


class RatingQuerySchema(ma.Schema):
    as_of = api_date(
        metadata={
            "description": "rate as of this date (default today, China "
            "time), 1900-01-01 to 2100-12-31",
            "example": "2026-06-30",
        }
    )


class HistoryItemSchema(RatingSchema):
    """A stored rating (the rating shape) and whether it is the current one."""

    current = fields.Boolean(required=True)
    recorded_at = fields.String(
        required=True,
        metadata={
            "format": "date-time",
            "description": "the same as created_at (kept for clients written before created_at)",
        },
    )


class HistorySchema(ma.Schema):
    uscc = fields.String(required=True)
    ratings = fields.List(fields.Nested(HistoryItemSchema), required=True)


@blp.route("/<string:uscc>/rating")
class RatingResource(MethodView):
    @blp.arguments(RatingQuerySchema, location="query")
    @blp.response(200, RatingSchema)
    @blp.alt_response(
        404,
        description="unknown or malformed USCC, or unrated on that date "
        "(before anything was known of the enterprise)",
    )
    def get(self, args: dict[str, Any], uscc: str) -> dict[str, Any]:
        """The rating as of a date (default today), computed by the active rulebook."""
        session = get_session()
        ent = get_enterprise(session, uscc)
        as_of = args.get("as_of") or china_today()
        require_rated(session, ent, as_of)
        rating = rating_as_of(session, ent, as_of, active_rulebook())
        return rating_json(session, ent.uscc, rating)


@blp.route("/<string:uscc>/ratings")
class RatingHistoryResource(MethodView):
    @blp.response(200, HistorySchema)
    @blp.alt_response(404, description="unknown or malformed USCC")
    def get(self, uscc: str) -> dict[str, Any]:
        """Stored rating history, newest first (a new entry whenever score, level or
        explanation changed)."""
        session = get_session()
        ent = get_enterprise(session, uscc)
        history = rating_history(session, ent.id)
        adjustments = adjustment_views(session, (r.adjustment_id for r in history))
        items = []
        for r in history:
            item = rating_view(r, ent.uscc, adjustments)
            items.append({**item, "current": r.is_current, "recorded_at": item["created_at"]})
        return {"uscc": ent.uscc, "ratings": items}
