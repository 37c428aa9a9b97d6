"""List endpoints: enterprises, published penalties (also as 双公示 CF_*), inspections, permits."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.clock import today as china_today
from core.db import get_session
from credit.ratings.levels import LEVELS
from credit.records.listing import (
    MAX_ID,
    EnterpriseFilter,
    published_penalty,
    record_page,
)
from credit.records.nearby import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, find_enterprises
from openapi.geojson import geojson_response, wants_geojson, with_geojson
from openapi.headers import next_link, query_params
from openapi.schemas import EnterpriseSchema, api_date
from openapi.snapshot_schemas import InspectionSnapshotSchema, PermitSnapshotSchema

blp = Blueprint(
    "record_lists",
    __name__,
    url_prefix="/api/v1",
    description="列表 / Lists with keyset paging (`after`, `limit`, Link: next)",
)


class EnterpriseListArgs(ma.Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    region = fields.String(load_default="", validate=validate.Regexp(r"^([0-9]{2,6})?$"))
    industry = fields.String(load_default="", validate=validate.Regexp(r"^([A-Ta-t][0-9]{0,4})?$"))
    level = fields.String(load_default="", validate=validate.OneOf(["", *LEVELS]))
    after = fields.String(
        load_default="",
        validate=validate.Regexp(r"^[0-9A-Za-z]{0,18}$"),
        metadata={"description": "the last USCC of the previous page"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    near = fields.String(
        load_default="",
        metadata={
            "description": "`LAT,LONG`: only enterprises within `radius_km` of the point, "
            "nearest first (each item has `distance_km`)",
            "example": "36.06,103.83",
        },
    )
    radius_km = fields.String(
        load_default="",
        metadata={
            "description": f"with `near`: 0 < R ≤ {MAX_RADIUS_KM:g} km "
            f"(default {DEFAULT_RADIUS_KM:g})",
            "example": "5",
        },
    )
    bbox = fields.String(
        load_default="",
        metadata={
            "description": "`W,S,E,N` (longitudes and latitudes): only enterprises in the box",
            "example": "103.7,36.0,103.9,36.1",
        },
    )
    crs = fields.String(
        load_default="",
        metadata={
            "description": "the system of `near` and `bbox`: `wgs84` (default, as stored and "
            "returned) or `gcj02` (Chinese map apps)"
        },
    )


class RecordListArgs(ma.Schema):
    uscc = fields.String(validate=validate.Regexp(r"^[0-9A-Za-z]{18}$"))
    region = fields.String(validate=validate.Regexp(r"^[0-9]{2,6}$"))
    since = api_date(metadata={"description": "decided or inspected on or after"})
    after = fields.Integer(load_default=0, validate=validate.Range(0, MAX_ID))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class PenaltyListArgs(RecordListArgs):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "cf"]),
        metadata={"description": "`cf`: the 双公示 CF_* field set"},
    )


class FormatArgs(ma.Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "cf"]))


class ListedEnterpriseSchema(EnterpriseSchema):
    distance_km = fields.Float(
        metadata={"description": "with `near`: great-circle distance from the point, km"}
    )


class EnterprisePageSchema(ma.Schema):
    items = fields.List(fields.Nested(ListedEnterpriseSchema), required=True)
    next_after = fields.String(allow_none=True)


class AsIs(ma.Schema):
    """Documents an answer that is sent as the view built it (public snapshots already)."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        return obj


def _next_after() -> fields.Integer:
    return fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "pass as `after` for the next page; null on the last page"},
    )


class PenaltyPageSchema(AsIs):
    items = fields.List(
        fields.Raw(
            metadata={
                "oneOf": [
                    {"$ref": "#/components/schemas/PenaltySnapshot"},
                    {"$ref": "#/components/schemas/CfPenalty"},
                ]
            }
        ),
        required=True,
        metadata={
            "description": "penalty snapshots (as in /changes), or CF_* records with format=cf"
        },
    )
    next_after = _next_after()


class InspectionPageSchema(AsIs):
    items = fields.List(fields.Nested(InspectionSnapshotSchema), required=True)
    next_after = _next_after()


class PermitPageSchema(AsIs):
    items = fields.List(fields.Nested(PermitSnapshotSchema), required=True)
    next_after = _next_after()


class PenaltyItemSchema(AsIs):
    """A penalty snapshot, or with ``format=cf`` the 双公示 CF_* record (documented as the
    union by openapi.spec)."""


@blp.route("/enterprises")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseListArgs, location="query")
    @blp.response(200, EnterprisePageSchema)
    @blp.doc(responses=with_geojson("EnterprisePage"))
    @blp.alt_response(400, description="`near`, `radius_km`, `bbox` or `crs` unreadable")
    def get(self, args: dict[str, Any]) -> Any:
        """Enterprises, filtered like the portal's facets and by place.

        In USCC order; with `near`, nearest first. `Accept: application/geo+json` gives a
        GeoJSON FeatureCollection (RFC 7946, WGS-84 `[long, lat]`)."""
        page = find_enterprises(
            get_session(),
            EnterpriseFilter(
                q=args["q"], region=args["region"], industry=args["industry"], level=args["level"]
            ),
            near=args["near"],
            radius_km=args["radius_km"],
            bbox=args["bbox"],
            crs=args["crs"],
            after=args["after"].upper(),
            limit=args["limit"],
        )
        link = {**next_link(page.next_after, query_params(EnterpriseListArgs)), "Vary": "Accept"}
        if wants_geojson():
            return geojson_response(page.items, page.next_after, link)
        return ({"items": page.items, "next_after": page.next_after}, 200, link)


def _records(entity: str, args: dict[str, Any], schema: type[ma.Schema]) -> Any:
    items, next_after = record_page(get_session(), entity, args, china_today())
    return (
        {"items": items, "next_after": next_after},
        200,
        next_link(next_after, query_params(schema)),
    )


@blp.route("/penalties")
class Penalties(MethodView):
    @blp.arguments(PenaltyListArgs, location="query")
    @blp.response(200, PenaltyPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Published penalties (repaired, revoked and expired ones are left out)."""
        return _records("penalty", args, PenaltyListArgs)


@blp.route("/penalties/<int:penalty_id>")
class PenaltyResource(MethodView):
    @blp.arguments(FormatArgs, location="query")
    @blp.response(200, PenaltyItemSchema)
    @blp.alt_response(404, description="unknown or not published")
    def get(self, args: dict[str, Any], penalty_id: int) -> Any:
        """One published penalty."""
        return published_penalty(
            get_session(), penalty_id, china_today(), cf=args["format"] == "cf"
        )


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.arguments(RecordListArgs, location="query")
    @blp.response(200, InspectionPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Inspections (withdrawn ones are left out)."""
        return _records("inspection", args, RecordListArgs)


@blp.route("/permits")
class Permits(MethodView):
    @blp.arguments(RecordListArgs, location="query")
    @blp.response(200, PermitPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Pollutant-discharge permits with their limits."""
        return _records("permit", args, RecordListArgs)
