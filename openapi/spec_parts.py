"""The parts openapi.spec adds to the document: security scheme, headers, snapshot schemas,
content the decorators cannot say (unions, CSV/NDJSON), request examples, and examples
built from schemas."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from credit.records.exports import RESOURCES
from openapi.snapshot_schemas import (
    CfPenaltySchema,
    DisclosureSnapshotSchema,
    EmissionSnapshotSchema,
    InspectionSnapshotSchema,
    PenaltySnapshotSchema,
    PermitSnapshotSchema,
    PledgeSnapshotSchema,
    ReplySnapshotSchema,
    TemporaryReportSnapshotSchema,
)

SCHEMAS = "#/components/schemas/"
SNAPSHOT_COMPONENTS = {
    "PenaltySnapshot": PenaltySnapshotSchema,
    "CfPenalty": CfPenaltySchema,
    "InspectionSnapshot": InspectionSnapshotSchema,
    "PermitSnapshot": PermitSnapshotSchema,
    "DisclosureSnapshot": DisclosureSnapshotSchema,
    "EmissionSnapshot": EmissionSnapshotSchema,
    "ReplySnapshot": ReplySnapshotSchema,
    "PledgeSnapshot": PledgeSnapshotSchema,
    "TemporaryReportSnapshot": TemporaryReportSnapshotSchema,
}
_INT = {"type": "integer"}
_STR = {"type": "string"}
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "强实体标签 / strong entity tag: of the body, or for exports of "
        "the change-log seq and the date; send it back as If-None-Match",
        "schema": _STR,
    },
    "Cache-Control": {
        "description": "`public, max-age=60` for reads of public data; "
        "`no-cache` for /changes and exports (revalidate with If-None-Match); "
        "`private, no-cache` whenever the request carried a key",
        "schema": _STR,
    },
    "Link": {
        "description": 'RFC 8288 `<absolute URL>; rel="next"` of the next page (the '
        "same parameters, `after` moved on; values percent-encoded as UTF-8); absent "
        "on the last page",
        "schema": _STR,
    },
    "X-Change-Seq": {
        "description": "the newest change-log seq the answer includes: go on "
        "with /changes?after=<it>",
        "schema": _INT,
    },
    "X-RateLimit-Limit": {
        "description": "calls allowed per window (per key, else per address)",
        "schema": _INT,
    },
    "X-RateLimit-Remaining": {
        "description": "calls left in this window (a 304 costs none)",
        "schema": _INT,
    },
    "X-RateLimit-Reset": {
        "description": "when the window resets: Unix epoch seconds (UTC), "
        "as GitHub's header of the same name",
        "schema": _INT,
    },
    "Retry-After": {"description": "seconds to wait before trying again", "schema": _INT},
    "WWW-Authenticate": {
        "description": '`Bearer realm="envcredit"`, with '
        '`error="invalid_token"` when the key sent was refused (RFC 6750)',
        "schema": _STR,
    },
}
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "合作方密钥 / partner API key (`flask api-keys create`): `Authorization: Bearer <key>`. "
        "Optional for reads (higher quotas, no download limit); required for webhooks and "
        "records:write."
    ),
}
DATA_PACKAGE = {
    "type": "object",
    "description": "Frictionless tabular data package",
    "required": ["profile", "name", "resources"],
    "additionalProperties": True,
    "properties": {
        "profile": {"type": "string", "example": "tabular-data-package"},
        "name": {"type": "string", "example": "envcredit"},
        "title": {"type": "string"},
        "envcredit:change_seq": {"type": "integer", "example": 20578},
        "resources": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": True,
                "required": ["name", "path", "schema"],
                "properties": {
                    "name": {"type": "string", "example": "enterprises"},
                    "path": {"type": "string", "format": "uri"},
                    "schema": {"type": "object", "additionalProperties": True},
                },
            },
        },
    },
}
REQUEST_EXAMPLES: dict[str, Any] = {
    "acknowledgeChanges": {"seq": 20578},
    "subscribe": {
        "email": "citizen@example.cn",
        "region_code": "620100",
        "events": ["penalty", "rating"],
        "frequency": "weekly",
    },
    "fileTipoff": {
        "category": "water",
        "description": "工厂夜间向河道排放黑色污水，气味刺鼻。",
        "location": "兰州市西固区某化工厂南门排污口",
        "latitude": 36.06,
        "longitude": 103.62,
        "region_code": "620104",
        "anonymous": True,
        "notify_email": True,
        "notify_address": "news-only@example.cn",
    },
    "pushRecords": {
        "records": [
            {
                "uscc": "91350100M000100Y43",
                "name": "兰州华源化工有限公司",
                "legal_representative": "张三",
                "region_code": "620100",
                "industry_code": "C26",
                "address": "兰州市西固区合水路1号",
                "permit_category": "key",
                "status": "operating",
            }
        ]
    },
    "createWebhook": {
        "url": "https://partner.example.cn/envcredit/hook",
        "entities": ["penalty", "rating"],
    },
}


#: what a registered webhook receives (the change event of /changes, signed)
WEBHOOK_CALLBACK = {
    "changeEvent": {
        "{$request.body#/url}": {
            "post": {
                "summary": "一个变更事件 / one change event, as in /changes",
                "description": "Body: the ChangeEvent, exactly as in `/api/v1/changes`. "
                "`X-Envcredit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where v1 is "
                'keyed with the webhook secret\'s UTF-8 bytes over the bytes of `"<t>."` '
                "followed by the raw body; refuse a `t` more than 300 s from your clock. "
                "`X-Envcredit-Event-Seq` is the event's seq, `X-Envcredit-Delivery` the "
                "delivery id (the same on retries). Answer 2xx within 10 s; anything else, "
                "a redirect included, is retried (30 s doubling to 1 h, 10 attempts).",
                "parameters": [
                    {
                        "name": "X-Envcredit-Signature",
                        "in": "header",
                        "required": True,
                        "schema": {
                            "type": "string",
                            "example": "t=1764615890,v1=0fe571e23da26fa5af59e36f8a93e7"
                            "9708e59af3bec6edc27dcfdef04af591df",
                        },
                    },
                    {
                        "name": "X-Envcredit-Event-Seq",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "X-Envcredit-Delivery",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": SCHEMAS + "ChangeEvent"}}},
                },
                "responses": {"200": {"description": "received"}},
            }
        }
    }
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMAS + name}


def _csv_description() -> str:
    lines = [
        f"- `{name}.csv`: " + ", ".join(f for f, _k in r.fields) for name, r in RESOURCES.items()
    ]
    return "UTF-8 CSV (no BOM) with a header row; empty cell = null. Columns:\n" + "\n".join(lines)


RESPONSE_CONTENT: dict[str, dict[str, Any]] = {
    "getPenalty": {
        "application/json": {"schema": {"oneOf": [_ref("PenaltySnapshot"), _ref("CfPenalty")]}}
    },
    "getDataPackage": {"application/json": {"schema": _ref("DataPackage")}},
}


def register_components(spec: APISpec) -> None:
    """Security scheme, headers, snapshot and data package schemas, export content."""
    spec.components.security_scheme("bearer", SECURITY_SCHEME)
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    for name, schema in SNAPSHOT_COMPONENTS.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    spec.components.schema("DataPackage", DATA_PACKAGE)
    RESPONSE_CONTENT["downloadExport"] = {
        "text/csv": {
            "schema": {"type": "string", "description": _csv_description()},
            "example": "uscc,score,level,computed_level,rulebook,as_of\n"
            "91350100M000100Y43,90,blue,blue,cn-default@2026.1,"
            "2026-06-30\n",
        },
        "application/x-ndjson": {
            "schema": {
                "description": "one public snapshot (as in /changes) per line",
                "oneOf": [_ref("Enterprise"), _ref("Rating"), _ref("PenaltySnapshot")],
            }
        },
    }


_FORMATS = {
    "date": "2026-06-30",
    "date-time": "2026-06-30T08:00:00+08:00",
    "uri": "https://credit.example.gov.cn/api/v1/exports/enterprises.csv",
    "decimal": "12.50",
}


def example_for(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """An example value for ``schema``: its own examples, else enums, formats and types."""
    if "$ref" in schema:
        return example_for(schemas[schema["$ref"].removeprefix(SCHEMAS)], schemas, depth)
    if "example" in schema:
        return schema["example"]
    for union in ("oneOf", "anyOf", "allOf"):
        if schema.get(union):
            return example_for(schema[union][0], schemas, depth)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            name: example_for(prop, schemas, depth + 1)
            for name, prop in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example_for(schema.get("items", {}), schemas, depth + 1)] if depth < 5 else []
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 1.5)
    if kind == "boolean":
        return True
    if kind == "string":
        return _FORMATS.get(schema.get("format", ""), "文本 / text")
    return None
