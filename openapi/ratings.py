"""/api/v1/enterprises/{uscc}/rating and /ratings: the level, why, and its history."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.clock import today as china_today
from core.db import get_session
from credit.listing import get_enterprise, rating_history
from credit.ratings import active_rulebook, rating_as_of, rating_json
from openapi.schemas import LEVELS

blp = Blueprint("ratings", __name__, url_prefix="/api/v1/enterprises",
                description="信用评价 / Credit ratings with explanations")


class SourceSchema(ma.Schema):
    type = fields.String(metadata={"example": "penalty"})
    id = fields.Raw(metadata={"description": "record id (integer) or USCC", "example": 12})


class LineItemSchema(ma.Schema):
    rule = fields.String(required=True, metadata={"example": "penalty.general"})
    points = fields.Integer(required=True, metadata={"example": -10})
    source = fields.Nested(SourceSchema, allow_none=True)
    note = fields.String(allow_none=True)


class AdjustmentSchema(ma.Schema):
    id = fields.Integer()
    to_level = fields.String(validate=validate.OneOf(LEVELS))
    reason = fields.String()
    expires_at = fields.String(metadata={"format": "date"})


class RatingSchema(ma.Schema):
    """A rating: the published level, the computed one, and every point traced to a record."""

    uscc = fields.String(required=True)
    score = fields.Integer(required=True, metadata={"example": 90})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    computed_level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    rulebook = fields.String(required=True, metadata={"example": "cn-default@2026.1"})
    as_of = fields.String(required=True, metadata={"format": "date"})
    explanation = fields.List(fields.Nested(LineItemSchema), required=True)
    adjustment = fields.Nested(AdjustmentSchema, allow_none=True)


class RatingQuerySchema(ma.Schema):
    as_of = fields.Date(metadata={"description": "rate as of this date (default today)",
                                  "example": "2026-06-30"})


class HistoryItemSchema(ma.Schema):
    score = fields.Integer()
    level = fields.String(validate=validate.OneOf(LEVELS))
    computed_level = fields.String(validate=validate.OneOf(LEVELS))
    rulebook = fields.String()
    as_of = fields.String(metadata={"format": "date"})
    recorded_at = fields.String(metadata={"format": "date-time"})
    current = fields.Boolean()


class HistorySchema(ma.Schema):
    uscc = fields.String(required=True)
    ratings = fields.List(fields.Nested(HistoryItemSchema), required=True)


@blp.route("/<string:uscc>/rating")
class RatingResource(MethodView):
    @blp.arguments(RatingQuerySchema, location="query")
    @blp.response(200, RatingSchema)
    @blp.alt_response(404, description="unknown or malformed USCC")
    def get(self, args: dict[str, Any], uscc: str) -> dict[str, Any]:
        """The rating as of a date (default today), computed by the active rulebook."""
        session = get_session()
        ent = get_enterprise(session, uscc)
        as_of = args.get("as_of") or china_today()
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
        return {"uscc": ent.uscc, "ratings": [
            {"score": r.score, "level": r.level, "computed_level": r.computed_level,
             "rulebook": r.rulebook_version, "as_of": r.as_of.isoformat(),
             "recorded_at": r.created_at.isoformat(), "current": r.is_current}
            for r in rating_history(session, ent.id)]}
