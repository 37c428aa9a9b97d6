"""Webhook subscriptions of partner keys: register (URL vetted, per-key cap), list, delete.

Services flush and never commit; the request's transaction boundary commits.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Conflict, Invalid, NotFound
from core.messages import msg
from core.outbound import RefusedURL, vet_url
from core.users import ApiCaller, ApiClient
from credit.partners.delivery import cancel_deliveries, signing_secret
from credit.partners.models import DELIVERY_STATUSES, Webhook, WebhookDelivery

#: deliveries a webhook's history shows
HISTORY = 100


def check_url(url: str) -> str:
    """The URL if the outbound guard accepts it now (422 naming the reason otherwise)."""
    url = url.strip()
    try:
        vet_url(url, allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
    except RefusedURL as exc:
        raise Invalid(exc.message, {"url": [exc.reason]}) from None
    return url


def check_cap(session: Session, client: ApiCaller) -> None:
    """At most WEBHOOK_MAX_PER_CLIENT active webhooks per key (409 beyond, security F16)."""
    cap = int(current_app.config.get("WEBHOOK_MAX_PER_CLIENT") or 5)
    # the key's row is locked so two concurrent registrations cannot both pass the count
    session.execute(select(ApiClient.id).where(ApiClient.id == client.id).with_for_update())
    active = (
        session.scalar(
            select(func.count())
            .select_from(Webhook)
            .where(Webhook.api_client_id == client.id, Webhook.active)
        )
        or 0
    )
    if active >= cap:
        raise Conflict(msg("每个 API 密钥最多 %(n)s 个推送订阅，请先删除不用的", n=cap))


def _counts(session: Session, ids: list[int]) -> dict[tuple[int, str], int]:
    return {
        (h, s): n
        for h, s, n in session.execute(
            select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.webhook_id.in_(ids))
            .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status)
        )
    }


def webhook_view(hook: Webhook, counts: dict[tuple[int, str], int]) -> dict[str, Any]:
    """A webhook as its owner sees it, with deliveries counted by outcome."""
    return {
        "id": hook.id,
        "url": hook.url,
        "entities": hook.entities.split(),
        "active": hook.active,
        "created_at": hook.created_at,
        **{s: counts.get((hook.id, s), 0) for s in DELIVERY_STATUSES},
    }


def register_webhook(
    session: Session, client: ApiCaller, url: str, entities: list[str]
) -> tuple[Webhook, dict[str, Any]]:
    """A new webhook of ``client`` and its view with the signing secret (shown once)."""
    check_cap(session, client)
    stored = secrets.token_hex(16)
    hook = Webhook(
        api_client_id=client.id,
        url=check_url(url),
        secret=stored,
        entities=" ".join(sorted(set(entities))),
        active=True,
    )
    session.add(hook)
    session.flush()
    audit(
        session,
        f"api_client:{client.id}",
        "webhook.create",
        f"webhook:{hook.id}",
        {"url": hook.url},
    )
    view = {
        **webhook_view(hook, {}),
        "secret": signing_secret(current_app.config["SECRET_KEY"], stored),
    }
    return hook, view


def list_webhooks(
    session: Session, client: ApiCaller, *, include_deleted: bool = False
) -> list[dict[str, Any]]:
    """The client's webhooks with delivery counts (deleted ones only on request)."""
    query = select(Webhook).where(Webhook.api_client_id == client.id)
    if not include_deleted:
        query = query.where(Webhook.active)
    hooks = list(session.scalars(query.order_by(Webhook.id)))
    counts = _counts(session, [h.id for h in hooks])
    return [webhook_view(h, counts) for h in hooks]


def own_webhook(session: Session, client: ApiCaller, webhook_id: int) -> Webhook:
    """The client's webhook ``webhook_id``; NotFound for another's or an unknown one."""
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.api_client_id != client.id:
        raise NotFound(msg("没有编号为 %(id)s 的推送订阅", id=webhook_id))
    return hook


def get_webhook(session: Session, client: ApiCaller, webhook_id: int) -> dict[str, Any]:
    """One webhook with its delivery counts (also after it was deleted)."""
    hook = own_webhook(session, client, webhook_id)
    return webhook_view(hook, _counts(session, [hook.id]))


def delete_webhook(session: Session, client: ApiCaller, webhook_id: int) -> None:
    """Stop deliveries to this webhook and cancel its pending ones (repeating is a no-op)."""
    hook = own_webhook(session, client, webhook_id)
    if not hook.active:
        return
    hook.active = False
    cancel_deliveries(session, hook.id)
    audit(session, f"api_client:{hook.api_client_id}", "webhook.delete", f"webhook:{hook.id}")


def recent_deliveries(
    session: Session, client: ApiCaller, webhook_id: int
) -> list[WebhookDelivery]:
    """The latest deliveries of the client's webhook, newest first."""
    hook = own_webhook(session, client, webhook_id)
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(HISTORY)
        )
    )
