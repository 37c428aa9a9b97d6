"""/api/v1/enterprises/{uscc}/rating and /ratings: the level, why, and its history."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from core.clock import today as china_today
from core.db import get_session
from credit.ratings.published import rating_on, stored_ratings
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
        return rating_on(get_session(), uscc, args.get("as_of") or china_today())


@blp.route("/<string:uscc>/ratings")
class RatingHistoryResource(MethodView):
    @blp.response(200, HistorySchema)
    @blp.alt_response(404, description="unknown or malformed USCC")
    def get(self, uscc: str) -> dict[str, Any]:
        """Stored rating history, newest first (a new entry whenever score, level or
        explanation changed)."""
        stored_uscc, ratings = stored_ratings(get_session(), uscc)
        items = [
            {**item, "current": current, "recorded_at": item["created_at"]}
            for item, current in ratings
        ]
        return {"uscc": stored_uscc, "ratings": items}
