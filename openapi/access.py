"""Who is calling the API, and how often they may: per-address quotas for anonymous reads,
higher per-key quotas for partners (`Authorization: Bearer <key>`)."""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests

from core.db import get_session
from core.errors import Forbidden, Unauthorized
from core.limits import limiter
from core.messages import msg
from core.speedups import skip_limiter_check
from core.users import ApiCaller, find_api_client

log = logging.getLogger(__name__)
_UNSET = object()
_SKIPPED_BY_LIMITER: set[str] = set()


def api_client() -> ApiCaller | None:
    """The partner whose key came with this request (None when anonymous); a bad key is 401."""
    cached = g.get("api_client", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    header = request.headers.get("Authorization", "")
    client = None
    if header:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized(msg("Authorization 头应为 “Bearer <密钥>”"))
        client = find_api_client(get_session(), key.strip())
        if client is None:
            raise Unauthorized(msg("API 密钥无效或已吊销"))
    g.api_client = client
    return client


def require_scope(scope: str) -> ApiCaller:
    """The calling partner, who must hold ``scope`` (401 without a key, 403 without scope)."""
    client = api_client()
    if client is None:
        raise Unauthorized(msg("需要具有 %(scope)s 权限的 API 密钥", scope=scope))
    if not client.has_scope(scope):
        raise Forbidden(msg("该密钥没有 %(scope)s 权限", scope=scope))
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


@lru_cache(maxsize=256)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


def _enforce_quota() -> None:
    """Refuse the call with 429 (and Retry-After) when the caller's quota is spent; the
    call itself is counted by :func:`count_call` once its status is known.

    The counting is ``limits``' fixed window on flask-limiter's own storage (memory, or
    Redis with ``REDIS_URL``), called directly: one parsed quota, one test, one hit and one
    window read per call. flask-limiter's per-request limit resolution cost more than the
    rest of a single-resource read (bench/api), so the API quota does not go through it.
    """
    if request.method == "OPTIONS" or not limiter.enabled:
        return
    item, key = _parsed(quota()), quota_key()
    try:
        strategy = limiter.limiter
        allowed = strategy.test(item, "envcredit", "api", key)
        stats = None if allowed else strategy.get_window_stats(item, "envcredit", "api", key)
    except Exception as exc:  # a quota store outage must not take the API down
        log.warning("API quota storage unavailable: %s", type(exc).__name__)
        return
    if stats is not None:
        g.api_quota = (item.amount, stats)
        wait = max(1, int(stats.reset_time - time.time()) + 1)
        raise TooManyRequests(
            msg("超出调用配额（%(item)s），请 %(wait)s 秒后重试", item=item, wait=wait),
            retry_after=wait,
        )
    g.api_quota_pending = (item, key)


def count_call(response: Response) -> Response:
    """Count the call against the quota, except a 304 (revalidating what the client has
    costs nothing), and send the X-RateLimit-* headers (Reset: epoch seconds)."""
    pending = g.pop("api_quota_pending", None)
    if pending is not None:
        item, key = pending
        try:
            strategy = limiter.limiter
            if response.status_code != 304:
                strategy.hit(item, "envcredit", "api", key)
            g.api_quota = (item.amount, strategy.get_window_stats(item, "envcredit", "api", key))
        except Exception as exc:
            log.warning("API quota storage unavailable: %s", type(exc).__name__)
    counted = g.pop("api_quota", None)
    if counted is not None:
        amount, stats = counted
        response.headers["X-RateLimit-Limit"] = str(amount)
        response.headers["X-RateLimit-Remaining"] = str(stats.remaining)
        response.headers["X-RateLimit-Reset"] = str(int(stats.reset_time))
    return response


def init_access(app: Flask, blueprints: list[Any]) -> None:
    """Quotas on every API blueprint; a bad key is refused before anything else runs."""
    from openapi import tipoffs

    names = frozenset(blueprint.name for blueprint in blueprints)
    #: API blueprints whose views also carry flask-limiter limits of their own (tip-off
    #: filing and tracking); on every other API blueprint flask-limiter has nothing to do,
    #: so it is told to skip them rather than resolve an empty set of limits per request
    unlimited = names - {tipoffs.blp.name}

    @app.before_request
    def _check_key_and_quota() -> None:
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            api_client()
        if request.blueprint in names:
            _enforce_quota()

    if not _SKIPPED_BY_LIMITER:  # the limiter is module-level: register its filter once
        _SKIPPED_BY_LIMITER.update(unlimited)
        limiter.request_filter(lambda: request.blueprint in _SKIPPED_BY_LIMITER)
    # The filter above is consulted only after flask-limiter has looked the request's limits
    # up; its before-request check is therefore also wrapped so that those blueprints skip
    # it outright (core.speedups, with the measured gain).
    skip_limiter_check(app, limiter, unlimited)
