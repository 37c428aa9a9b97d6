"""/api/v1/places: reverse geocoding (a point → its county) and address search.

Coordinates are WGS-84 unless ``crs=gcj02`` (Chinese map apps); the answer's region is the
county-level GB/T 2260 region. ``grid`` is the deepest grid containing the point (null when
no grid does).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from credit.grids.lookup import locate_point
from credit.places.addresses import STATUSES, parse_address
from credit.places.crs import CRS_NAMES

blp = Blueprint(
    "api_places",
    __name__,
    url_prefix="/api/v1/places",
    description="地点 / Places: coordinates and addresses to regions",
)


class ReverseArgs(ma.Schema):
    lat = fields.Float(
        required=True, validate=validate.Range(-90, 90), metadata={"example": 36.0611}
    )
    long = fields.Float(
        required=True, validate=validate.Range(-180, 180), metadata={"example": 103.8343}
    )
    crs = fields.String(
        load_default="wgs84",
        validate=validate.OneOf(CRS_NAMES),
        metadata={"description": "wgs84 (GPS, default) or gcj02 (AMap, Tencent maps)"},
    )


class RegionRefSchema(ma.Schema):
    code = fields.String(required=True, metadata={"example": "620102"})
    name = fields.String(required=True, metadata={"example": "城关区"})


class GridRefSchema(ma.Schema):
    code = fields.String(required=True, metadata={"example": "620102-003-02"})
    name = fields.String(required=True, metadata={"example": "张掖路街道第二社区"})


class ReverseSchema(ma.Schema):
    """The county containing the point, and its grid (null when no grid contains it)."""

    region = fields.Nested(RegionRefSchema, required=True)
    grid = fields.Nested(GridRefSchema, allow_none=True, required=True)


class SearchArgs(ma.Schema):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata={"example": "甘肃兰州城关区张掖路"},
    )
    context = fields.String(
        validate=validate.Regexp(r"^[0-9]{6}$"),
        metadata={"description": "region that decides a bare county name", "example": "620100"},
    )


class CandidateSchema(ma.Schema):
    code = fields.String(required=True, metadata={"example": "620102"})
    name = fields.String(required=True, metadata={"example": "城关区"})
    level = fields.Integer(
        required=True, metadata={"description": "1 province, 2 prefecture, 3 county"}
    )
    full_name = fields.String(required=True, metadata={"example": "甘肃省兰州市城关区"})


class AddressSearchSchema(ma.Schema):
    """found: one candidate; ambiguous: several; not_found: none."""

    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)


@blp.route("/reverse")
class Reverse(MethodView):
    @blp.arguments(ReverseArgs, location="query", error_status_code=400)
    @blp.response(200, ReverseSchema)
    @blp.alt_response(400, description="lat or long is not a number in range, or crs unknown")
    @blp.alt_response(404, description="the point is outside China (in no county)")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The county (and grid) containing a point."""
        located = locate_point(get_session(), args["lat"], args["long"], args["crs"])
        place, grid = located.place, located.grid
        return {
            "region": {"code": place.region_code, "name": place.region_name},
            "grid": {"code": grid.code, "name": grid.name} if grid is not None else None,
        }


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query", error_status_code=400)
    @blp.response(200, AddressSearchSchema)
    @blp.alt_response(400, description="q missing or longer than 300 characters")
    def get(self, args: dict[str, Any]) -> Any:
        """Candidate regions an address text names, with found / ambiguous / not_found."""
        return parse_address(get_session(), args["q"], args.get("context"))
