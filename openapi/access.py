"""Who is calling the API, and how often they may: per-address quotas for anonymous reads,
higher per-key quotas for partners (`Authorization: Bearer <key>`)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter.util import get_remote_address

from core.db import get_session
from core.errors import Forbidden, Unauthorized
from core.limits import limiter
from core.users import ApiClient, find_api_client

_UNSET = object()


def api_client() -> ApiClient | None:
    """The partner whose key came with this request (None when anonymous); a bad key is 401."""
    cached = g.get("api_client", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    header = request.headers.get("Authorization", "")
    client = None
    if header:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("Authorization 头应为 “Bearer <密钥>” / the Authorization header "
                               "must be 'Bearer <key>'")
        client = find_api_client(get_session(), key.strip())
        if client is None:
            raise Unauthorized("API 密钥无效或已吊销 / the API key is invalid or revoked")
    g.api_client = client
    return client


def require_scope(scope: str) -> ApiClient:
    """The calling partner, who must hold ``scope`` (401 without a key, 403 without scope)."""
    client = api_client()
    if client is None:
        raise Unauthorized(f"需要具有 {scope} 权限的 API 密钥 / an API key with scope "
                           f"'{scope}' is required")
    if not client.has_scope(scope):
        raise Forbidden(f"该密钥没有 {scope} 权限 / this key lacks the scope '{scope}'")
    return client


def quota_key() -> str:
    """Partners are counted per key, everyone else per address."""
    try:
        client = api_client()
    except Unauthorized:
        client = None
    return f"key:{client.id}" if client is not None else f"ip:{get_remote_address()}"


def quota() -> str:
    """The per-minute quota of this caller."""
    try:
        client = api_client()
    except Unauthorized:
        client = None
    config = current_app.config
    if client is None:
        return str(config["API_ANON_RATE_LIMIT"])
    if client.quota_per_minute:
        return f"{client.quota_per_minute} per minute"
    return str(config["API_PARTNER_RATE_LIMIT"])


def init_access(app: Flask, blueprints: list[Any]) -> None:
    """Quotas on every API blueprint; a bad key is refused before anything else runs."""

    @app.before_request
    def _check_key() -> None:
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            api_client()

    for blueprint in blueprints:
        # Blueprints and the limiter are module-level: mark each once, not once per app
        # (the quota itself is read from the current app's config on every request).
        if getattr(blueprint, "_envcredit_quota", False):
            continue
        limiter.limit(quota, key_func=quota_key, scope="api",
                      exempt_when=lambda: request.method == "OPTIONS")(blueprint)
        blueprint._envcredit_quota = True
