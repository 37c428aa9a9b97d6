"""Typed public snapshots (credit.records.snapshots): the records of lists, the change feed and the
NDJSON exports. Dump schemas, one per entity, listing every key the snapshot has."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from credit.ratings.levels import LEVELS
from credit.records.models import (
    INSPECTION_KINDS,
    INSPECTION_OUTCOMES,
    PERMIT_CATEGORIES,
    PERMIT_STATUSES,
    SEVERITIES,
)
from openapi.schemas import EnterpriseSchema

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
DATE = {"format": "date"}
DATETIME = {"format": "date-time"}
DECIMAL = {"format": "decimal", "description": "decimal number as a string (exact)"}


def nullable_string(**metadata: Any) -> fields.String:
    """A string that is always present and may be null."""
    return fields.String(required=True, allow_none=True, metadata=metadata)


class RecordBase(ma.Schema):
    """What every record snapshot starts with: its id and its enterprise."""

    id = fields.Integer(required=True, metadata={"example": 12})
    uscc = fields.String(required=True, metadata={"example": "91350100M000100Y43"})
    enterprise_name = fields.String(required=True, metadata={"example": "兰州华源化工有限公司"})
    region_code = fields.String(required=True, metadata={"example": "620104"})


class PenaltySnapshotSchema(RecordBase):
    """A published administrative penalty (the 双公示 field set under our own names)."""

    decision_no = fields.String(required=True, metadata={"example": "兰环罚〔2026〕12号"})
    violation_type = fields.String(required=True, metadata={"example": "超标排放大气污染物"})
    facts = fields.String(required=True)
    legal_basis = fields.String(required=True)
    penalty_kinds = fields.List(
        fields.String(), required=True, metadata={"example": ["罚款"], "description": "处罚类别"}
    )
    content = nullable_string()
    fine_amount = fields.String(
        required=True,
        metadata={**DECIMAL, "example": "100000.00", "description": "CNY, 2 decimals"},
    )
    confiscated_amount = fields.String(required=True, metadata={**DECIMAL, "example": "0.00"})
    licence_affected = nullable_string()
    decision_date = fields.String(required=True, metadata={**DATE, "example": "2026-06-01"})
    authority = fields.String(required=True, metadata={"example": "兰州市生态环境局"})
    authority_uscc = nullable_string()
    data_source = nullable_string()
    data_source_uscc = nullable_string()
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    criminal_transfer = fields.Boolean(required=True)
    publish_until = fields.String(required=True, metadata={**DATE, "example": "2029-06-01"})
    remarks = nullable_string()
    under_review = fields.Boolean(
        required=True,
        metadata={
            "description": "核查中 / under verification: a data error report about this "
            "record is open (报告数据错误)"
        },
    )


class CfPenaltySchema(ma.Schema):
    """A published penalty as a 双公示 CF_* record (``format=cf``; money in 万元)."""

    id = fields.Integer(required=True)
    CF_XDR_MC = fields.String(required=True, metadata={"description": "行政相对人名称"})
    CF_XDR_LB = fields.String(required=True)
    CF_XDR_SHXYM = fields.String(required=True)
    CF_FRDB = fields.String(required=True)
    CF_WSH = fields.String(required=True, metadata={"description": "决定文书号"})
    CF_WFXW = fields.String(required=True)
    CF_SY = fields.String(required=True)
    CF_YJ = fields.String(required=True)
    CF_CFLB = fields.String(required=True)
    CF_NR = fields.String(required=True)
    CF_NR_FK = fields.String(
        required=True, metadata={"description": "罚款金额（万元）", "example": "25.5"}
    )
    CF_NR_WFFF = fields.String(required=True)
    CF_NR_ZKDX = fields.String(required=True)
    CF_JDRQ = fields.String(required=True, metadata=DATE)
    CF_YXQ = fields.String(required=True, metadata=DATE)
    CF_GSJZQ = fields.String(required=True, metadata=DATE)
    CF_CFJG = fields.String(required=True)
    CF_CFJGDM = fields.String(required=True)
    CF_SJLY = fields.String(required=True)
    CF_SJLYDM = fields.String(required=True)
    BZ = fields.String(required=True)


class InspectionSnapshotSchema(RecordBase):
    """An on-site inspection (withdrawn ones are not public)."""

    ref = nullable_string(description="the case system's own id")
    date = fields.String(required=True, metadata={**DATE, "example": "2026-05-12"})
    agency = fields.String(required=True, metadata={"example": "兰州市生态环境局"})
    kind = fields.String(required=True, validate=validate.OneOf(INSPECTION_KINDS))
    outcome = fields.String(required=True, validate=validate.OneOf(INSPECTION_OUTCOMES))
    findings = nullable_string()


class PermitSnapshotSchema(RecordBase):
    """A pollutant-discharge permit with its annual limits."""

    permit_no = fields.String(required=True, metadata={"example": "91350100M000100Y43001P"})
    category = fields.String(required=True, validate=validate.OneOf(PERMIT_CATEGORIES))
    valid_from = fields.String(required=True, metadata=DATE)
    valid_until = fields.String(required=True, metadata=DATE)
    status = fields.String(required=True, validate=validate.OneOf(PERMIT_STATUSES))
    revoked_at = fields.String(required=True, allow_none=True, metadata=DATE)
    limits = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "pollutant → tonnes per year (decimal string)",
            "example": {"SO2": "12.5"},
        },
    )


class DisclosureSnapshotSchema(RecordBase):
    """An annual environmental information disclosure report."""

    year = fields.Integer(required=True, metadata={"example": 2025})
    submitted_at = fields.String(required=True, metadata=DATE)
    url = nullable_string(description="the report's address or text")


class EmissionSnapshotSchema(RecordBase):
    """Accounted emissions of one pollutant in one year (E = G × (1 − η × k))."""

    year = fields.Integer(required=True, metadata={"example": 2025})
    pollutant = fields.String(required=True, metadata={"example": "SO2"})
    generated_tonnes = fields.String(required=True, metadata=DECIMAL)
    removal_efficiency = fields.String(required=True, metadata=DECIMAL)
    operating_rate = fields.String(required=True, metadata=DECIMAL)
    emitted_tonnes = fields.String(required=True, metadata=DECIMAL)


class SourceSchema(ma.Schema):
    type = fields.String(required=True, metadata={"example": "penalty"})
    id = fields.Raw(
        required=True,
        metadata={
            "oneOf": [{"type": "integer"}, {"type": "string"}],
            "example": 12,
            "description": "the record's id (integer), or the USCC for the enterprise itself",
        },
    )


class LineItemSchema(ma.Schema):
    rule = fields.String(required=True, metadata={"example": "penalty.general"})
    points = fields.Integer(required=True, metadata={"example": -10})
    source = fields.Nested(SourceSchema, allow_none=True, required=True)
    note = nullable_string()


class AdjustmentSchema(ma.Schema):
    """A regulator's approved change of the published level."""

    id = fields.Integer(required=True)
    to_level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    reason = fields.String(required=True)
    expires_at = fields.String(required=True, metadata=DATE)


class RatingSchema(ma.Schema):
    """A rating: the published level, the computed one, and every point traced to a record.
    The same shape on /rating, /ratings, the change feed and the exports."""

    uscc = fields.String(required=True, metadata={"example": "91350100M000100Y43"})
    score = fields.Integer(required=True, metadata={"example": 90})
    level = fields.String(
        required=True,
        validate=validate.OneOf(LEVELS),
        metadata={"description": "the published level"},
    )
    level_name = fields.String(required=True, metadata={"example": "环保良好企业"})
    computed_level = fields.String(
        required=True,
        validate=validate.OneOf(LEVELS),
        metadata={"description": "the level the rulebook gives (an adjustment may set another)"},
    )
    rulebook = fields.String(required=True, metadata={"example": "cn-default@2026.1"})
    as_of = fields.String(required=True, metadata={**DATE, "example": "2026-06-30"})
    explanation = fields.List(fields.Nested(LineItemSchema), required=True)
    adjustment = fields.Nested(AdjustmentSchema, required=True, allow_none=True)
    created_at = fields.String(
        required=True,
        allow_none=True,
        metadata={
            **DATETIME,
            "description": "when this rating was stored; null for one computed "
            "on demand (time travel)",
        },
    )


#: entity → the schema of its snapshot (ordered so that a generated client's union parser,
#: trying each in turn, picks the right one: the most specific required fields first)
SNAPSHOT_SCHEMAS: dict[str, type[ma.Schema]] = {
    "penalty": PenaltySnapshotSchema,
    "permit": PermitSnapshotSchema,
    "inspection": InspectionSnapshotSchema,
    "disclosure": DisclosureSnapshotSchema,
    "emission": EmissionSnapshotSchema,
    "rating": RatingSchema,
    "enterprise": EnterpriseSchema,
}


class ReplySnapshotSchema(ma.Schema):
    """An enterprise's approved reply (企业说明) to one of its records or its rating."""

    id = fields.Integer(required=True, metadata={"example": 5})
    uscc = fields.String(required=True, metadata={"example": "91350100M000100Y43"})
    target_type = fields.String(
        required=True,
        validate=validate.OneOf(("penalty", "inspection", "permit", "disclosure", "rating")),
    )
    target_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null for the rating"}
    )
    text = fields.String(required=True, metadata={"example": "超标问题已于 6 月整改完毕。"})
    lang = fields.String(required=True, metadata={"example": "zh-CN"})
    approved_on = fields.String(required=True, metadata={**DATE, "example": "2026-12-04"})


class PledgeSnapshotSchema(ma.Schema):
    """A signed credit pledge (信用承诺) for one calendar year."""

    id = fields.Integer(required=True, metadata={"example": 3})
    uscc = fields.String(required=True, metadata={"example": "91350100M000100Y43"})
    year = fields.Integer(required=True, metadata={"example": 2026})
    version = fields.String(required=True, metadata={"example": "2026.1"})
    signed_on = fields.String(required=True, metadata={**DATE, "example": "2026-12-04"})


class TemporaryReportSnapshotSchema(ma.Schema):
    """An enterprise's temporary disclosure report (临时报告) about one of its published
    penalties."""

    id = fields.Integer(required=True, metadata={"example": 4})
    uscc = fields.String(required=True, metadata={"example": "91350100M000100Y43"})
    penalty_id = fields.Integer(required=True, metadata={"example": 12})
    decision_no = fields.String(required=True, metadata={"example": "兰环罚〔2026〕12号"})
    filed_on = fields.String(required=True, metadata={**DATE, "example": "2026-10-12"})
    content = fields.String(required=True, metadata={"example": "本企业已完成整改……"})
    url = nullable_string()
