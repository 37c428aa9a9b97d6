"""Per-address rate limits (flask-limiter): Redis counters when REDIS_URL is set, else memory.

Feature blueprints decorate their views with ``limiter.limit(...)``; ``init_limits(app)``
binds the one Limiter to the app. With several app servers, set ``REDIS_URL`` so that they
share the counters.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address, key_prefix="envcredit")


def config_limit(key: str, default: str) -> str:
    """The limit string (e.g. ``10 per hour``) configured under ``key`` for the current app."""
    return str(current_app.config.get(key) or default)


def tipoff_filing_limit() -> str:
    """Tip-off filings per address (``TIPOFF_RATE_LIMIT``), shared by the page and the API."""
    return config_limit("TIPOFF_RATE_LIMIT", "10 per hour")


def tipoff_tracking_limit() -> str:
    """Tip-off tracking attempts per address (``TIPOFF_TRACK_RATE_LIMIT``)."""
    return config_limit("TIPOFF_TRACK_RATE_LIMIT", "60 per hour")


def init_limits(app: Flask) -> Limiter:
    """Bind the limiter to ``app``; storage is Redis when ``REDIS_URL`` is set."""
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # a Redis outage must not 500
    limiter.init_app(app)
    return limiter
