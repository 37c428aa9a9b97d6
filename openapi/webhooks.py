"""/api/v1/webhooks: partners register URLs that receive signed change events."""

from __future__ import annotations

import secrets
from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import get_session
from core.errors import Conflict, Invalid, NotFound
from core.outbound import RefusedURL, vet_url
from core.users import ApiClient
from core.web import external_url
from credit.partners.delivery import cancel_deliveries, signing_secret
from credit.partners.models import DELIVERY_STATUSES, Webhook, WebhookDelivery
from openapi.access import require_scope
from openapi.schemas import ENTITIES, ChangeEventSchema

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="订阅推送 / Webhooks: signed change events pushed to partners")


class WebhookInSchema(ma.Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000), metadata={
        "example": "https://partner.example.cn/envcredit/hook",
        "description": "http(s), port 80, 443 or ≥ 1024, no credentials or #fragment; every "
                       "address the host resolves to must be public"})
    entities = fields.List(fields.String(validate=validate.OneOf(ENTITIES)),
                           load_default=list, validate=validate.Length(max=len(ENTITIES)))


class WebhookListQuerySchema(ma.Schema):
    include_deleted = fields.Boolean(load_default=False, metadata={
        "description": "also list deleted webhooks (active: false)"})


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
    secret = fields.String(required=True, metadata={
        "description": "HMAC-SHA256 key (its UTF-8 bytes) for X-Envcredit-Signature; shown "
                       "only this once"})


class DeliverySchema(ma.Schema):
    """One event's delivery to this webhook: its coarse outcome, never the target's answer."""

    id = fields.Integer(required=True, metadata={"description": "= X-Envcredit-Delivery"})
    seq = fields.Integer(required=True, metadata={"description": "= X-Envcredit-Event-Seq"})
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATUSES),
                           metadata={"description": "pending | delivered | failed (given up "
                                     "after 10 attempts) | refused (the URL's address is not "
                                     "public) | cancelled (webhook deleted)"})
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True, metadata={
        "description": "the next try; null unless pending"})
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

    signature = fields.String(required=True, data_key="X-Envcredit-Signature", metadata={
        "example": "t=1764615890,v1=0fe571e23da26fa5af59e36f8a93e797"
                   "08e59af3bec6edc27dcfdef04af591df",
        "description": "t = signing time (Unix seconds); v1 = hex HMAC-SHA256 keyed with the "
                       "secret's UTF-8 bytes over the bytes of f\"{t}.\" followed by the body"})
    event_seq = fields.Integer(required=True, data_key="X-Envcredit-Event-Seq", metadata={
        "description": "the event's seq (as in /changes)"})
    delivery = fields.Integer(required=True, data_key="X-Envcredit-Delivery", metadata={
        "description": "the delivery id; the same on every retry, so receivers can de-duplicate"})
    user_agent = fields.String(required=True, data_key="User-Agent",
                               metadata={"example": "envcredit-webhooks/2"})
    content_type = fields.String(required=True, data_key="Content-Type",
                                 metadata={"example": "application/json"})


def check_url(url: str) -> str:
    """The URL if the outbound guard accepts it now (422 naming the reason otherwise)."""
    url = url.strip()
    try:
        vet_url(url, allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
    except RefusedURL as exc:
        raise Invalid(exc.message, {"url": [exc.reason]}) from None
    return url


def check_cap(session: Session, client: ApiClient) -> None:
    """At most WEBHOOK_MAX_PER_CLIENT active webhooks per key (409 beyond, security F16)."""
    cap = int(current_app.config.get("WEBHOOK_MAX_PER_CLIENT") or 5)
    # the key's row is locked so two concurrent registrations cannot both pass the count
    session.execute(select(ApiClient.id).where(ApiClient.id == client.id).with_for_update())
    active = session.scalar(select(func.count()).select_from(Webhook).where(
        Webhook.api_client_id == client.id, Webhook.active)) or 0
    if active >= cap:
        raise Conflict(f"每个 API 密钥最多 {cap} 个推送订阅，请先删除不用的 / at most {cap} "
                       f"active webhooks per API key; delete one first")


def _counts(session: Session, ids: list[int]) -> dict[tuple[int, str], int]:
    return {(h, s): n for h, s, n in session.execute(
        select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
        .where(WebhookDelivery.webhook_id.in_(ids))
        .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status))}


def _view(hook: Webhook, counts: dict[tuple[int, str], int]) -> dict[str, Any]:
    return {"id": hook.id, "url": hook.url, "entities": hook.entities.split(),
            "active": hook.active, "created_at": hook.created_at,
            **{s: counts.get((hook.id, s), 0) for s in DELIVERY_STATUSES}}


@blp.route("")
class Webhooks(MethodView):
    @blp.arguments(WebhookInSchema)
    @blp.response(201, WebhookCreatedSchema, headers={"Location": {
        "description": "the new webhook's URL", "schema": {"type": "string"}}})
    @blp.alt_response(401, description="no or bad API key")
    @blp.alt_response(403, description="the key lacks the webhooks scope")
    @blp.alt_response(409, description="the key already has WEBHOOK_MAX_PER_CLIENT webhooks")
    def post(self, body: dict[str, Any]) -> Any:
        """Register a URL; change events are POSTed to it, signed with the returned secret."""
        client = require_scope("webhooks")
        session = get_session()
        check_cap(session, client)
        stored = secrets.token_hex(16)
        hook = Webhook(api_client_id=client.id, url=check_url(body["url"]), secret=stored,
                       entities=" ".join(sorted(set(body["entities"]))), active=True)
        session.add(hook)
        session.flush()
        audit(session, f"api_client:{client.id}", "webhook.create", f"webhook:{hook.id}",
              {"url": hook.url})
        session.commit()
        created = {**_view(hook, {}),
                   "secret": signing_secret(current_app.config["SECRET_KEY"], stored)}
        location = external_url("webhooks.WebhookResource", webhook_id=hook.id)
        return created, 201, {"Location": location}

    @blp.arguments(WebhookListQuerySchema, location="query")
    @blp.response(200, WebhookSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """The caller's webhooks with delivery counts (deleted ones only on request)."""
        client = require_scope("webhooks")
        session = get_session()
        query = select(Webhook).where(Webhook.api_client_id == client.id)
        if not args["include_deleted"]:
            query = query.where(Webhook.active)
        hooks = list(session.scalars(query.order_by(Webhook.id)))
        counts = _counts(session, [h.id for h in hooks])
        return [_view(h, counts) for h in hooks]


def _own(webhook_id: int) -> Webhook:
    client = require_scope("webhooks")
    hook = get_session().get(Webhook, webhook_id)
    if hook is None or hook.api_client_id != client.id:
        raise NotFound(f"没有这个推送订阅 / no webhook {webhook_id}")
    return hook


@blp.route("/<int:webhook_id>")
class WebhookResource(MethodView):
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, description="not yours or unknown")
    def get(self, webhook_id: int) -> dict[str, Any]:
        """One webhook with its delivery counts (also after it was deleted)."""
        hook = _own(webhook_id)
        return _view(hook, _counts(get_session(), [hook.id]))

    @blp.response(204)
    @blp.alt_response(404, description="not yours or unknown")
    def delete(self, webhook_id: int) -> None:
        """Stop deliveries to this webhook; its pending deliveries are cancelled."""
        hook = _own(webhook_id)
        if not hook.active:
            return  # already deleted: nothing changes
        session = get_session()
        hook.active = False
        cancel_deliveries(session, hook.id)
        audit(session, f"api_client:{hook.api_client_id}", "webhook.delete",
              f"webhook:{hook.id}")
        session.commit()


@blp.route("/<int:webhook_id>/deliveries")
class Deliveries(MethodView):
    @blp.response(200, DeliverySchema(many=True))
    @blp.alt_response(404, description="not yours or unknown")
    def get(self, webhook_id: int) -> list[WebhookDelivery]:
        """The latest 100 deliveries, newest first."""
        hook = _own(webhook_id)
        return list(get_session().scalars(
            select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
            .order_by(WebhookDelivery.id.desc()).limit(100)))
