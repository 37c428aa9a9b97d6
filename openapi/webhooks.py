"""/api/v1/webhooks: partners register URLs that receive signed change events."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import func, select

from core.audit import audit
from core.db import get_session
from core.errors import Invalid, NotFound
from openapi.access import require_scope
from openapi.models import Webhook, WebhookDelivery
from openapi.schemas import ENTITIES
from openapi.webhook_delivery import signing_secret

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="订阅推送 / Webhooks: signed change events pushed to partners")


class WebhookInSchema(ma.Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000),
                        metadata={"example": "https://partner.example.cn/envcredit/hook"})
    entities = fields.List(fields.String(validate=validate.OneOf(ENTITIES)),
                           load_default=list, validate=validate.Length(max=len(ENTITIES)))


class WebhookSchema(ma.Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    entities = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    delivered = fields.Integer(metadata={"description": "deliveries that succeeded"})
    pending = fields.Integer()
    failed = fields.Integer()


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(required=True, metadata={
        "description": "HMAC-SHA256 key for X-Envcredit-Signature; shown only this once"})


class DeliverySchema(ma.Schema):
    id = fields.Integer()
    seq = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


def check_url(url: str) -> str:
    """http(s) only, no credentials; private and loopback targets only when allowed."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("URL 须为 http(s) 地址 / the URL must be http(s)", {"url": ["scheme"]})
    if parts.username or parts.password:
        raise Invalid("URL 不能包含用户名或密码 / no credentials in the URL", {"url": ["userinfo"]})
    if not current_app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443)
        except (socket.gaierror, UnicodeError):
            raise Invalid("无法解析 URL 的主机名 / the URL's host does not resolve",
                          {"url": ["host"]}) from None
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if address.is_private or address.is_loopback or address.is_link_local or \
                    address.is_reserved or address.is_multicast:
                raise Invalid("不能推送到内网地址 / private or local addresses are refused",
                              {"url": ["private address"]})
    return url.strip()


def _view(hook: Webhook, counts: dict[tuple[int, str], int]) -> dict[str, Any]:
    return {"id": hook.id, "url": hook.url, "entities": hook.entities.split(),
            "active": hook.active, "created_at": hook.created_at,
            **{s: counts.get((hook.id, s), 0) for s in ("delivered", "pending", "failed")}}


@blp.route("")
class Webhooks(MethodView):
    @blp.arguments(WebhookInSchema)
    @blp.response(201, WebhookCreatedSchema)
    @blp.alt_response(401, description="no or bad API key")
    @blp.alt_response(403, description="the key lacks the webhooks scope")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register a URL; change events are POSTed to it, signed with the returned secret."""
        client = require_scope("webhooks")
        session = get_session()
        stored = secrets.token_hex(16)
        hook = Webhook(api_client_id=client.id, url=check_url(body["url"]), secret=stored,
                       entities=" ".join(sorted(set(body["entities"]))), active=True)
        session.add(hook)
        session.flush()
        audit(session, f"api_client:{client.id}", "webhook.create", f"webhook:{hook.id}",
              {"url": hook.url})
        session.commit()
        return {**_view(hook, {}),
                "secret": signing_secret(current_app.config["SECRET_KEY"], stored)}

    @blp.response(200, WebhookSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The caller's webhooks with delivery counts."""
        client = require_scope("webhooks")
        session = get_session()
        hooks = list(session.scalars(select(Webhook).where(Webhook.api_client_id == client.id)
                                     .order_by(Webhook.id)))
        counts = {(h, s): n for h, s, n in session.execute(
            select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.webhook_id.in_([h.id for h in hooks]))
            .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status))}
        return [_view(h, counts) for h in hooks]


def _own(webhook_id: int) -> Webhook:
    client = require_scope("webhooks")
    hook = get_session().get(Webhook, webhook_id)
    if hook is None or hook.api_client_id != client.id:
        raise NotFound(f"没有这个推送订阅 / no webhook {webhook_id}")
    return hook


@blp.route("/<int:webhook_id>")
class WebhookResource(MethodView):
    @blp.response(204)
    @blp.alt_response(404, description="not yours or unknown")
    def delete(self, webhook_id: int) -> None:
        """Stop deliveries to this webhook."""
        hook = _own(webhook_id)
        hook.active = False
        session = get_session()
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
