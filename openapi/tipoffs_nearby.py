"""/api/v1/tipoffs/nearby: open reports near a point or about an enterprise ("is this the
same?"), as public summaries with rounded coordinates; never reporter data."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from credit.records.nearby import DEFAULT_RADIUS_KM, MAX_RADIUS_KM
from credit.tipoffs.models import TIPOFF_CATEGORIES, TIPOFF_STATUSES
from credit.tipoffs.nearby import NearbyTipOff, open_tipoffs_nearby

blp = Blueprint(
    "api_tipoffs_nearby",
    __name__,
    url_prefix="/api/v1",
    description="附近的举报 / Open tip-offs near a point, before filing another",
)


class NearbyArgs(ma.Schema):
    lat = fields.String(load_default="", metadata={"example": "36.06"})
    long = fields.String(load_default="", metadata={"example": "103.83"})
    radius_km = fields.String(
        load_default="",
        metadata={"description": f"0 < R ≤ {MAX_RADIUS_KM:g} km (default {DEFAULT_RADIUS_KM:g})"},
    )
    enterprise_uscc = fields.String(
        load_default="",
        metadata={"description": "also the open reports that name this enterprise"},
    )
    crs = fields.String(
        load_default="", metadata={"description": "`wgs84` (default) or `gcj02` for lat/long"}
    )


class NearbyTipOffSchema(ma.Schema):
    """An open report's public summary: no description, location text or reporter field."""

    tracking_code = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(TIPOFF_CATEGORIES))
    status = fields.String(required=True, validate=validate.OneOf(TIPOFF_STATUSES))
    status_note = fields.String(required=True)
    region_code = fields.String(allow_none=True)
    region_name = fields.String(allow_none=True)
    agency = fields.String(required=True)
    latitude = fields.Float(allow_none=True, metadata={"description": "rounded to 0.001°"})
    longitude = fields.Float(allow_none=True, metadata={"description": "rounded to 0.001°"})
    received_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    distance_km = fields.Float(
        allow_none=True,
        metadata={"description": "from the point to the rounded coordinates, 0.1 km"},
    )
    about_enterprise = fields.Boolean(
        required=True, metadata={"description": "the report names `enterprise_uscc`"}
    )


def nearby_item(n: NearbyTipOff) -> dict[str, Any]:
    """One report for :class:`NearbyTipOffSchema` (which dumps only its public fields)."""
    extra = {"distance_km": n.distance_km, "about_enterprise": n.about_enterprise}
    return {**asdict(n.summary), **extra}


class NearbyListSchema(ma.Schema):
    items = fields.List(fields.Nested(NearbyTipOffSchema), required=True)


@blp.route("/tipoffs/nearby")
class TipOffsNearby(MethodView):
    @blp.arguments(NearbyArgs, location="query")
    @blp.response(200, NearbyListSchema)
    @blp.alt_response(400, description="lat/long, radius_km or enterprise_uscc unreadable")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open reports near a point or naming an enterprise.

        Within `radius_km` of (lat, long) by their rounded public coordinates, and those
        naming `enterprise_uscc`; nearest first, then newest, at most 50. Public summaries
        only: no description, location text or reporter field."""
        found = open_tipoffs_nearby(get_session(), **args)
        return {"items": [nearby_item(n) for n in found]}
