"""/api/v1/tipoffs and /api/v1/stats/tipoffs: file a tip-off, follow it, monthly statistics.

The same services as the portal pages. Load and dump schemas are separate and list their
fields; the status schema has no reporter field, and a test proves it. Filing and tracking
count against the same per-address buckets as the pages ("tipoff-file", "tipoff-track"),
before the body or the headers are even parsed, so refused attempts count too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from core.limits import consume
from credit.places.crs import CRS_NAMES
from credit.ratings.levels import LEVELS
from credit.tipoffs.duplicates import file_with_suggestions
from credit.tipoffs.filing import TipOffInput
from credit.tipoffs.models import TIPOFF_CATEGORIES, TIPOFF_SEVERITIES, TIPOFF_STATUSES
from credit.tipoffs.satisfaction import public_statistics
from credit.tipoffs.tracking import track
from openapi.tipoffs_nearby import NearbyTipOffSchema, nearby_item

blp = Blueprint(
    "api_tipoffs",
    __name__,
    url_prefix="/api/v1",
    description="举报 / Tip-offs from citizens, their status and statistics",
)
NO_STORE = {"Cache-Control": "no-store"}
NO_STORE_DOC = {
    "Cache-Control": {
        "description": "no-store: the answer is for the reporter only",
        "schema": {"type": "string"},
    }
}


def counted(bucket: str) -> Callable[[Any], Any]:
    """A MethodView decorator: count the request against ``bucket`` before the view (and its
    argument parsing) runs; 429 when the address has spent it."""

    def decorate(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            consume(bucket)
            return view(*args, **kwargs)

        return wrapper

    return decorate


class TipOffCreateSchema(ma.Schema):
    """A new tip-off. Named reporters give a name and a phone or e-mail; they are shown only
    to the handling regulator."""

    category = fields.String(required=True, validate=validate.OneOf(TIPOFF_CATEGORIES))
    description = fields.String(required=True, validate=validate.Length(min=10, max=4000))
    location = fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata={"example": "兰州市西固区某化工厂南门排污口"},
    )
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    crs = fields.String(
        load_default="wgs84",
        validate=validate.OneOf(CRS_NAMES),
        metadata={
            "description": "latitude/longitude are wgs84 (GPS, default) or gcj02 "
            "(AMap, Tencent maps); stored as WGS-84"
        },
    )
    enterprise_uscc = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "统一社会信用代码 (or the exact name) of the enterprise reported"},
    )
    region_code = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^\d{6}$"),
        metadata={
            "description": "GB/T 2260 code of where it happens; without it (and without an "
            "enterprise) the coordinates' county or the location text's region is used"
        },
    )
    anonymous = fields.Boolean(required=True)
    reporter_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    reporter_email = fields.String(allow_none=True, validate=validate.Length(max=254))
    notify_email = fields.Boolean(
        load_default=False,
        metadata={
            "description": "邮件通知 / e-mail news when the report is accepted, transferred, "
            "extended, closed or rewarded: a named reporter's to reporter_email, an anonymous "
            "reporter's to notify_address"
        },
    )
    notify_address = fields.String(
        allow_none=True,
        validate=validate.Length(max=254),
        metadata={
            "description": "anonymous reporters only: an address for that news alone, kept "
            "apart from the report and deleted when it is closed"
        },
    )


class TipOffCreatedSchema(ma.Schema):
    """The tracking code and the secret: shown once, the secret is not stored in plain."""

    tracking_code = fields.String(required=True, metadata={"example": "JB-7K3M9-QX2WD"})
    secret = fields.String(required=True, metadata={"example": "K7QM-2WXD-9PLT-F3HZ"})
    accept_due_at = fields.Date(required=True)
    due_at = fields.Date(required=True)
    possible_duplicates = fields.List(
        fields.Nested(NearbyTipOffSchema),
        required=True,
        metadata={
            "description": "open reports received in the last 30 days within 500 m or naming "
            "the same enterprise (public summaries): the report is filed all the same; "
            "if one is the same problem, its tracking code can be given to the reporter"
        },
    )


class SecretHeaderSchema(ma.Schema):
    secret = fields.String(
        required=True, data_key="X-Tipoff-Secret", validate=validate.Length(min=1, max=64)
    )


class TimelineEntrySchema(ma.Schema):
    at = fields.DateTime(required=True)
    kind = fields.String(required=True, metadata={"example": "accepted"})
    label = fields.String(required=True, metadata={"example": "决定受理"})
    actor = fields.String(
        required=True, validate=validate.OneOf(["reporter", "regulator", "system"])
    )
    note = fields.String(allow_none=True)


class TipOffStatusSchema(ma.Schema):
    """The public status of a tip-off (no reporter identity, no internal notes)."""

    tracking_code = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(TIPOFF_CATEGORIES))
    location = fields.String(required=True)
    description = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    merged = fields.Boolean(
        required=True,
        metadata={
            "description": "merged into another report of the same problem, whose progress "
            "this shows"
        },
    )
    status = fields.String(required=True, validate=validate.OneOf(TIPOFF_STATUSES))
    severity = fields.String(allow_none=True, validate=validate.OneOf(TIPOFF_SEVERITIES))
    accept_due_at = fields.Date(required=True)
    due_at = fields.Date(required=True)
    overdue = fields.Boolean(required=True)
    extended = fields.Boolean(required=True)
    extension_reason = fields.String(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    public_outcome = fields.String(allow_none=True)
    substantiated = fields.Boolean(allow_none=True)
    reward_eligible = fields.Boolean(required=True)
    reopen_requested = fields.Boolean(required=True)
    attachments = fields.Integer(required=True, metadata={"description": "number of files"})
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True)


class StatsQuerySchema(ma.Schema):
    month = fields.String(
        validate=validate.Regexp(r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"),
        metadata={
            "description": "YYYY-MM (Beijing time, years 2000–2100); default the current month",
            "example": "2026-07",
        },
    )


class CountsSchema(ma.Schema):
    received = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    closed_on_time = fields.Integer(required=True)
    on_time_rate = fields.Float(
        allow_none=True, metadata={"description": "0–1; null when nothing was closed"}
    )


class RegionCountsSchema(CountsSchema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)


class CategoryCountsSchema(CountsSchema):
    category = fields.String(required=True, validate=validate.OneOf(TIPOFF_CATEGORIES))
    category_name = fields.String(required=True)


class SeriesPointSchema(ma.Schema):
    month = fields.String(required=True)
    received = fields.Integer(required=True)
    closed = fields.Integer(required=True)


class LevelCountSchema(ma.Schema):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    level_name = fields.String(required=True)
    count = fields.Integer(required=True)


class RegionLevelsSchema(ma.Schema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    counts = fields.Dict(
        keys=fields.String(validate=validate.OneOf(LEVELS)), values=fields.Integer(), required=True
    )
    total = fields.Integer(required=True)


class RatingCountsSchema(ma.Schema):
    by_level = fields.List(fields.Nested(LevelCountSchema), required=True)
    by_region = fields.List(fields.Nested(RegionLevelsSchema), required=True)


def _rate_field(what: str) -> fields.Float:
    return fields.Float(
        allow_none=True,
        metadata={"description": f"0–1, {what}; null below min_sample (样本不足)"},
    )


class QualityCountsSchema(ma.Schema):
    answers = fields.Integer(required=True, metadata={"description": "questionnaire answers"})
    satisfied = fields.Integer(required=True, metadata={"description": "满意 or 非常满意"})
    resolved = fields.Integer(required=True)
    decided = fields.Integer(required=True, metadata={"description": "acceptance decisions"})
    accepted_on_time = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    closed_on_time = fields.Integer(required=True)
    satisfaction_rate = _rate_field("satisfied / answers")
    resolved_rate = _rate_field("resolved / answers")
    accept_on_time_rate = _rate_field("accepted_on_time / decided")
    close_on_time_rate = _rate_field("closed_on_time / closed")
    satisfaction_sample_ok = fields.Boolean(required=True)
    resolved_sample_ok = fields.Boolean(required=True)
    accept_on_time_sample_ok = fields.Boolean(required=True)
    close_on_time_sample_ok = fields.Boolean(required=True)


class RegionQualitySchema(QualityCountsSchema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)
    rank = fields.Integer(
        allow_none=True,
        metadata={"description": "by satisfaction_rate; null when not ranked (样本不足)"},
    )


class QualitySchema(QualityCountsSchema):
    by_region = fields.List(fields.Nested(RegionQualitySchema), required=True)


class BoardCountsSchema(ma.Schema):
    received = fields.Integer(required=True)
    valid = fields.Integer(required=True, metadata={"description": "not refused by moderation"})
    answered = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "unanswered, past due"})
    failures = fields.Integer(
        required=True,
        metadata={"description": "valid and unanswered failure_months after receipt"},
    )


class RegionBoardSchema(BoardCountsSchema):
    region_code = fields.String(required=True)
    region_name = fields.String(required=True)


class BoardStatsSchema(BoardCountsSchema):
    failure_months = fields.Integer(required=True)
    by_region = fields.List(fields.Nested(RegionBoardSchema), required=True)


class TipOffStatsSchema(CountsSchema):
    """One month's public statistics, the 12-month series, satisfaction and on-time rates by
    region, the message board's figures, and current ratings."""

    month = fields.String(required=True)
    by_region = fields.List(fields.Nested(RegionCountsSchema), required=True)
    by_category = fields.List(fields.Nested(CategoryCountsSchema), required=True)
    series = fields.List(fields.Nested(SeriesPointSchema), required=True)
    ratings = fields.Nested(RatingCountsSchema, required=True)
    min_sample = fields.Integer(
        required=True, metadata={"description": "answers (decisions, closures) before a rate"}
    )
    quality = fields.Nested(QualitySchema, required=True)
    board = fields.Nested(BoardStatsSchema, required=True)


@blp.route("/tipoffs")
class TipOffCollection(MethodView):
    decorators: ClassVar[list[Any]] = [counted("tipoff-file")]

    @blp.arguments(TipOffCreateSchema)
    @blp.response(201, TipOffCreatedSchema, headers=NO_STORE_DOC)
    @blp.alt_response(422, description="invalid tip-off; nothing stored")
    @blp.alt_response(
        429, description="too many tip-offs from this address (refused ones count too)"
    )
    def post(self, body: dict[str, Any]) -> Any:
        """File a tip-off; returns the tracking code and the secret (shown once)."""
        session = get_session()
        lat, lon = body.get("latitude"), body.get("longitude")
        data = TipOffInput(
            category=body["category"],
            description=body["description"],
            location=body["location"],
            latitude=None if lat is None else repr(lat),
            longitude=None if lon is None else repr(lon),
            crs=body["crs"],
            enterprise=body.get("enterprise_uscc"),
            region_code=body.get("region_code"),
            anonymous=body["anonymous"],
            reporter_name=body.get("reporter_name"),
            reporter_phone=body.get("reporter_phone"),
            reporter_email=body.get("reporter_email"),
            notify_email=body["notify_email"],
            notify_address=body.get("notify_address"),
        )
        filed, similar = file_with_suggestions(
            session, data, source="api", upload_dir=current_app.config["UPLOAD_DIR"]
        )
        return (
            {
                "tracking_code": filed.tracking_code,
                "secret": filed.secret,
                "accept_due_at": filed.tipoff.accept_due_at,
                "due_at": filed.tipoff.due_at,
                "possible_duplicates": [nearby_item(n) for n in similar],
            },
            201,
            NO_STORE,
        )


@blp.route("/tipoffs/<string:tracking_code>")
class TipOffStatus(MethodView):
    decorators: ClassVar[list[Any]] = [counted("tipoff-track")]

    @blp.arguments(SecretHeaderSchema, location="headers")
    @blp.response(200, TipOffStatusSchema, headers=NO_STORE_DOC)
    @blp.alt_response(404, description="no tip-off matches this code and secret")
    @blp.alt_response(
        429,
        description="too many tracking attempts from this address (the tracking page counts too)",
    )
    def get(self, headers: dict[str, Any], tracking_code: str) -> Any:
        """Status and public timeline; needs the secret in the X-Tipoff-Secret header."""
        view = track(get_session(), tracking_code, headers["secret"])
        return view, 200, NO_STORE


@blp.route("/stats/tipoffs")
class TipOffStats(MethodView):
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, TipOffStatsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Monthly tip-offs received, closed and on time, by region and category; satisfaction
        and on-time rates by region; the message board's figures."""
        return public_statistics(get_session(), args.get("month"))
