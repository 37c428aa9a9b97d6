"""/api/v1/webhooks: partners register URLs that receive signed change events."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from core.web import external_url
from credit.partners.models import DELIVERY_STATUSES
from credit.partners.webhooks import (
    delete_webhook,
    get_webhook,
    list_webhooks,
    recent_deliveries,
    register_webhook,
)
from openapi.access import require_scope
from openapi.schemas import ENTITIES, ChangeEventSchema

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="订阅推送 / Webhooks: signed change events pushed to partners",
)


class WebhookInSchema(ma.Schema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=8, max=2000),
        metadata={
            "example": "https://partner.example.cn/envcredit/hook",
            "description": "http(s), port 80, 443 or ≥ 1024, no credentials or #fragment; every "
            "address the host resolves to must be public",
        },
    )
    entities = fields.List(
        fields.String(validate=validate.OneOf(ENTITIES)),
        load_default=list,
        validate=validate.Length(max=len(ENTITIES)),
    )


class WebhookListQuerySchema(ma.Schema):
    include_deleted = fields.Boolean(
        load_default=False, metadata={"description": "also list deleted webhooks (active: false)"}
    )


class WebhookSchema(ma.Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    entities = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True, metadata={"description": "false once deleted"})
    created_at = fields.DateTime(required=True)
    delivered = fields.Integer(metadata={"description": "deliveries that succeeded"})
    pending = fields.Integer()
    failed = fields.Integer()
    refused = fields.Integer()
    cancelled = fields.Integer()


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        required=True,
        metadata={
            "description": "HMAC-SHA256 key (its UTF-8 bytes) for X-Envcredit-Signature; shown "
            "only this once"
        },
    )


class DeliverySchema(ma.Schema):
    """One event's delivery to this webhook: its coarse outcome, never the target's answer."""

    id = fields.Integer(required=True, metadata={"description": "= X-Envcredit-Delivery"})
    seq = fields.Integer(required=True, metadata={"description": "= X-Envcredit-Event-Seq"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(DELIVERY_STATUSES),
        metadata={
            "description": "pending | delivered | failed (given up "
            "after 10 attempts) | refused (the URL's address is not "
            "public) | cancelled (webhook deleted)"
        },
    )
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(
        allow_none=True, metadata={"description": "the next try; null unless pending"}
    )
    delivered_at = fields.DateTime(allow_none=True)


class WebhookEventSchema(ChangeEventSchema):
    """The body of a webhook delivery: one change event, exactly as in ``/api/v1/changes``.

    POSTed as ``application/json`` with the headers of :class:`WebhookHeadersSchema`.
    Verify ``X-Envcredit-Signature`` (``t=<unix seconds>,v1=<hex HMAC-SHA256>``) over
    ``f"{t}.{raw body}"`` with the webhook's secret, refuse a ``t`` older than five
    minutes, answer 2xx within 10 seconds (anything else, a redirect included, is retried:
    30 s, 1, 2, 4 … up to 60 min, 10 attempts), and order events by ``seq``.
    """


class WebhookHeadersSchema(ma.Schema):
    """The headers of every webhook delivery."""

    signature = fields.String(
        required=True,
        data_key="X-Envcredit-Signature",
        metadata={
            "example": "t=1764615890,v1=0fe571e23da26fa5af59e36f8a93e797"
            "08e59af3bec6edc27dcfdef04af591df",
            "description": "t = signing time (Unix seconds); v1 = hex HMAC-SHA256 keyed with the "
            'secret\'s UTF-8 bytes over the bytes of f"{t}." followed by the body',
        },
    )
    event_seq = fields.Integer(
        required=True,
        data_key="X-Envcredit-Event-Seq",
        metadata={"description": "the event's seq (as in /changes)"},
    )
    delivery = fields.Integer(
        required=True,
        data_key="X-Envcredit-Delivery",
        metadata={
            "description": "the delivery id; the same on every retry, so receivers can de-duplicate"
        },
    )
    user_agent = fields.String(
        required=True, data_key="User-Agent", metadata={"example": "envcredit-webhooks/2"}
    )
    content_type = fields.String(
        required=True, data_key="Content-Type", metadata={"example": "application/json"}
    )


@blp.route("")
class Webhooks(MethodView):
    @blp.arguments(WebhookInSchema)
    @blp.response(
        201,
        WebhookCreatedSchema,
        headers={
            "Location": {"description": "the new webhook's URL", "schema": {"type": "string"}}
        },
    )
    @blp.alt_response(401, description="no or bad API key")
    @blp.alt_response(403, description="the key lacks the webhooks scope")
    @blp.alt_response(409, description="the key already has WEBHOOK_MAX_PER_CLIENT webhooks")
    def post(self, body: dict[str, Any]) -> Any:
        """Register a URL; change events are POSTed to it, signed with the returned secret."""
        hook, created = register_webhook(
            get_session(), require_scope("webhooks"), body["url"], body["entities"]
        )
        location = external_url("webhooks.WebhookResource", webhook_id=hook.id)
        return created, 201, {"Location": location}

    @blp.arguments(WebhookListQuerySchema, location="query")
    @blp.response(200, WebhookSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """The caller's webhooks with delivery counts (deleted ones only on request)."""
        return list_webhooks(
            get_session(), require_scope("webhooks"), include_deleted=args["include_deleted"]
        )


@blp.route("/<int:webhook_id>")
class WebhookResource(MethodView):
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, description="not yours or unknown")
    def get(self, webhook_id: int) -> dict[str, Any]:
        """One webhook with its delivery counts (also after it was deleted)."""
        return get_webhook(get_session(), require_scope("webhooks"), webhook_id)

    @blp.response(204)
    @blp.alt_response(404, description="not yours or unknown")
    def delete(self, webhook_id: int) -> None:
        """Stop deliveries to this webhook; its pending deliveries are cancelled."""
        delete_webhook(get_session(), require_scope("webhooks"), webhook_id)


@blp.route("/<int:webhook_id>/deliveries")
class Deliveries(MethodView):
    @blp.response(200, DeliverySchema(many=True))
    @blp.alt_response(404, description="not yours or unknown")
    def get(self, webhook_id: int) -> list[Any]:
        """The latest 100 deliveries, newest first."""
        return recent_deliveries(get_session(), require_scope("webhooks"), webhook_id)
