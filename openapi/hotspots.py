"""/api/v1/hotspots: a city's hotspot grids (热点网格) for a month or a day.

The ranking is the one ``flask monitoring hotspots`` stored (the same as the ``hotspot``
events of the change feed): grid cells ranked by their stations' mean PM2.5, the city mean
and each cell's ``hotspot`` flag (mean ≥ city mean × (1 + margin)).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from credit.monitoring.hotspot_models import PERIOD_KINDS
from credit.monitoring.hotspot_store import hotspot_ranking

blp = Blueprint(
    "api_hotspots",
    __name__,
    url_prefix="/api/v1/hotspots",
    description="热点网格 / Hotspot grids: grid cells ranked by mean PM2.5",
)

UG = "µg/m³"


class HotspotArgs(ma.Schema):
    city = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{6}$", error="six digits / 6 位数字"),
        metadata={"description": "the city's GB/T 2260 code", "example": "620100"},
    )
    month = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{4}-[0-9]{2}$", error="YYYY-MM"),
        metadata={"description": "China's calendar month", "example": "2026-11"},
    )
    day = fields.String(
        validate=validate.Regexp(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", error="YYYY-MM-DD"),
        metadata={"description": "one day of the month instead of the whole month"},
    )


class CityRefSchema(ma.Schema):
    code = fields.String(required=True, metadata={"example": "620100"})
    name = fields.String(required=True, metadata={"example": "兰州市"})


class HotspotCellSchema(ma.Schema):
    rank = fields.Integer(required=True, metadata={"description": "1 = the highest mean"})
    grid_code = fields.String(required=True)
    grid_name = fields.String(required=True)
    mean_pm25 = fields.Float(
        required=True, metadata={"description": f"mean of its complete stations' means, {UG}"}
    )
    mean_pm10 = fields.Float(required=True, allow_none=True, metadata={"description": UG})
    stations = fields.Integer(required=True, metadata={"description": "its stations"})
    stations_complete = fields.Integer(
        required=True, metadata={"description": "stations with ≥ 75 % valid hours of PM2.5"}
    )
    hotspot = fields.Boolean(
        required=True, metadata={"description": "mean_pm25 ≥ city_mean_pm25 × (1 + margin)"}
    )


class HotspotRankingSchema(ma.Schema):
    """A city's ranked grid cells for a period."""

    id = fields.String(required=True, metadata={"example": "620100:2026-11"})
    city = fields.Nested(CityRefSchema, required=True)
    period = fields.String(required=True, metadata={"example": "2026-11"})
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    hours = fields.Integer(
        required=True, metadata={"description": "hours the completeness was measured against"}
    )
    method_version = fields.String(required=True, metadata={"example": "2026.1"})
    margin = fields.Float(required=True, metadata={"example": 0.2})
    city_mean_pm25 = fields.Float(
        required=True, allow_none=True, metadata={"description": f"mean of the stations, {UG}"}
    )
    city_mean_pm10 = fields.Float(required=True, allow_none=True)
    threshold_pm25 = fields.Float(
        required=True, allow_none=True, metadata={"description": "city mean × (1 + margin)"}
    )
    stations = fields.Integer(required=True)
    stations_complete = fields.Integer(required=True)
    computed_at = fields.String(required=True, metadata={"format": "date-time"})
    cells = fields.List(fields.Nested(HotspotCellSchema), required=True)


@blp.route("")
class Hotspots(MethodView):
    @blp.arguments(HotspotArgs, location="query", error_status_code=400)
    @blp.response(200, HotspotRankingSchema)
    @blp.alt_response(400, description="city, month or day malformed, or the day not in the month")
    @blp.alt_response(404, description="unknown city, or no ranking computed for the period")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A city's grid cells ranked by mean PM2.5, with the city mean and hotspot flags."""
        return hotspot_ranking(get_session(), args["city"], args["month"], args.get("day"))
