"""Per-address rate limits: Redis counters when REDIS_URL is set, else memory.

Two kinds:
- **buckets** counted explicitly with :func:`consume` at the top of a handler, before any
  validation or expensive work, so refused attempts count too. A bucket is named once here
  and every entry point that does the same thing (the tip-off form, the JSON API and
  Open311 filing) consumes the same bucket: one budget per address, not one per door;
- flask-limiter decorators (``limiter.limit``) where a plain per-view limit is enough.

With several app servers, set ``REDIS_URL`` so that they share the counters.
"""

from __future__ import annotations

import time
from functools import lru_cache

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests

from core.messages import msg
from core.speedups import SweepingMemoryStorage as SweepingMemoryStorage  # registers its scheme

limiter = Limiter(get_remote_address, key_prefix="envcredit")

#: bucket → (config key of its limit, default limit)
BUCKETS: dict[str, tuple[str, str]] = {
    "tipoff-file": ("TIPOFF_RATE_LIMIT", "10 per hour"),
    "tipoff-track": ("TIPOFF_TRACK_RATE_LIMIT", "60 per hour"),
    "login-address": ("LOGIN_RATE_LIMIT", "30 per hour"),
    "login-account": ("LOGIN_RATE_LIMIT", "30 per hour"),
    "case-file": ("CASE_RATE_LIMIT", "10 per hour"),
    "board-post": ("BOARD_RATE_LIMIT", "5 per hour"),
    "open311-lookup": ("OPEN311_LOOKUP_RATE_LIMIT", "120 per hour"),
    "export-download": ("EXPORT_ANON_RATE_LIMIT", "30 per minute"),
    "subscribe": ("SUBSCRIBE_RATE_LIMIT", "20 per hour"),
    "enterprise-activate": ("ACTIVATION_RATE_LIMIT", "20 per hour"),
}


def config_limit(key: str, default: str) -> str:
    """The limit string (e.g. ``10 per hour``) configured under ``key`` for the current app."""
    return str(current_app.config.get(key) or default)


@lru_cache(maxsize=64)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


def bucket_limit(bucket: str) -> RateLimitItem:
    """The configured limit of ``bucket``."""
    key, default = BUCKETS[bucket]
    return _parsed(config_limit(key, default))


def consume(bucket: str, key: str | None = None) -> None:
    """Count one attempt against ``bucket`` for this address (or ``key``); 429 when spent.

    Call it before validating anything, so that refused attempts count as well. A quota
    store outage lets the request through (a Redis restart must not take filing down).
    """
    if not limiter.enabled:
        return
    item = bucket_limit(bucket)
    who = key if key is not None else f"ip:{get_remote_address()}"
    try:
        strategy = limiter.limiter
        allowed = strategy.hit(item, "envcredit", "bucket", bucket, who)
        if allowed:
            return
        stats = strategy.get_window_stats(item, "envcredit", "bucket", bucket, who)
    except Exception:
        return
    wait = max(1, int(stats.reset_time - time.time()) + 1)
    raise TooManyRequests(
        msg("操作过于频繁（%(item)s），请 %(wait)s 秒后再试", item=item, wait=wait),
        retry_after=wait,
    )


def tipoff_filing_limit() -> str:
    """Tip-off filings per address (``TIPOFF_RATE_LIMIT``)."""
    return config_limit(*BUCKETS["tipoff-file"])


def tipoff_tracking_limit() -> str:
    """Tip-off tracking attempts per address (``TIPOFF_TRACK_RATE_LIMIT``)."""
    return config_limit(*BUCKETS["tipoff-track"])


def init_limits(app: Flask) -> Limiter:
    """Bind the limiter to ``app``; storage is Redis when ``REDIS_URL`` is set."""
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "envcredit-memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Retry-After in seconds (as on our 429s), not an HTTP date formatted on every response
    app.config.setdefault("RATELIMIT_HEADER_RETRY_AFTER_VALUE", "delta-seconds")
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # a Redis outage must not 500
    limiter.init_app(app)
    return limiter
