"""Marshmallow schemas of the open API (dump schemas list their fields explicitly)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from credit.kinds import ENTITIES
from credit.ratings.levels import LEVELS

MAX_SEQ = 2**62
#: the snapshot schemas of the entities (openapi.snapshot_schemas), most specific first
SNAPSHOT_NAMES = (
    "PenaltySnapshot",
    "PermitSnapshot",
    "InspectionSnapshot",
    "DisclosureSnapshot",
    "EmissionSnapshot",
    "ReplySnapshot",
    "PledgeSnapshot",
    "TemporaryReportSnapshot",
    "Rating",
    "Enterprise",
)
#: the dates a query may name: earlier or later ones are 422, never a date overflow (500)
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def api_date(**kwargs: Any) -> fields.Date:
    """A date query parameter within MIN_DATE..MAX_DATE (422 outside)."""
    return fields.Date(
        validate=validate.Range(
            min=MIN_DATE,
            max=MAX_DATE,
            error=("日期应在 {min} 至 {max} 之间 / the date must be between {min} and {max}"),
        ),
        **kwargs,
    )


class EnterpriseSchema(ma.Schema):
    """An enterprise as the public sees it."""

    uscc = fields.String(
        required=True, metadata={"example": "91350100M000100Y43", "description": "统一社会信用代码"}
    )
    name = fields.String(required=True, metadata={"example": "兰州华源化工有限公司"})
    former_names = fields.List(fields.String())
    legal_representative = fields.String(allow_none=True)
    region_code = fields.String(metadata={"example": "620100"})
    region_name = fields.String(allow_none=True, metadata={"example": "兰州市"})
    industry_code = fields.String(metadata={"example": "C26"})
    industry_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    permit_category = fields.String(
        allow_none=True, validate=validate.OneOf(["key", "simplified", "registration"])
    )
    status = fields.String()
    level = fields.String(
        allow_none=True,
        validate=validate.OneOf(LEVELS),
        metadata={"description": "current published level"},
    )
    level_name = fields.String(allow_none=True, metadata={"example": "环保良好企业"})
    score = fields.Integer(allow_none=True)
    vetoed = fields.Boolean(
        metadata={"description": "the level was set by a veto (一票否决), not by the score"}
    )
    rated_as_of = fields.String(allow_none=True, metadata={"format": "date"})
    updated_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class UsccPathSchema(ma.Schema):
    uscc = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ChangesQuerySchema(ma.Schema):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_SEQ),
        metadata={"description": "return changes with seq > after"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ChangeEventSchema(ma.Schema):
    """One change: apply upserts, delete on deletes, in seq order."""

    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    id = fields.String(
        required=True,
        metadata={"description": "USCC for enterprise and rating, the numeric id otherwise"},
    )
    op = fields.String(required=True, validate=validate.OneOf(["upsert", "delete"]))
    snapshot = fields.Raw(
        required=True,
        allow_none=True,
        metadata={
            "description": "the entity's current public snapshot (the schema named after "
            "`entity`); null for deletes",
            "oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in SNAPSHOT_NAMES],
        },
    )


class ChangesSchema(ma.Schema):
    changes = fields.List(fields.Nested(ChangeEventSchema), required=True)
    next_after = fields.Integer(
        required=True, metadata={"description": "pass as `after` to continue"}
    )
    last_seq = fields.Integer(
        required=True, metadata={"description": "newest committed seq at the time of the request"}
    )
