"""Per-address rate limits (flask-limiter): Redis counters when REDIS_URL is set, else memory.

Feature blueprints decorate their views with ``limiter.limit(...)``; ``init_limits(app)``
binds the one Limiter to the app. With several app servers, set ``REDIS_URL`` so that they
share the counters.
"""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage

limiter = Limiter(get_remote_address, key_prefix="envcredit")
PURGE_EVERY = 5.0  # seconds between sweeps of expired counters


class SweepingMemoryStorage(MemoryStorage):
    """limits' in-memory storage, with expired counters swept inline every few seconds.

    The stock storage starts a timer *thread* 10 ms after nearly every hit to sweep expired
    keys; under a steady stream of API reads that is a new thread every few requests, and
    the request thread waits for it to start. Counters expire lazily on read anyway
    (``get``), so sweeping now and then, on the request path, is all that is needed to keep
    memory bounded. (Overrides the parent's private hook; if a later ``limits`` renames it
    the stock behaviour simply returns: slower, still correct.)
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["envcredit-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + PURGE_EVERY
        self._sweep_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:
        if time.monotonic() < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = time.monotonic() + PURGE_EVERY
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweep_lock.release()


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
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "envcredit-memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Retry-After in seconds (as on our 429s), not an HTTP date formatted on every response
    app.config.setdefault("RATELIMIT_HEADER_RETRY_AFTER_VALUE", "delta-seconds")
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # a Redis outage must not 500
    limiter.init_app(app)
    return limiter
