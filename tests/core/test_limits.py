"""The default in-memory quota storage: counts like limits' own, sweeps without threads."""

from __future__ import annotations

import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from core.limits import SweepingMemoryStorage


def test_counts_and_refuses_over_the_limit():
    storage = storage_from_string("envcredit-memory://")
    assert isinstance(storage, SweepingMemoryStorage)
    limiter, quota = FixedWindowRateLimiter(storage), parse("3 per minute")
    assert [limiter.hit(quota, "addr") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(quota, "other")  # a separate key has its own window
    assert limiter.get_window_stats(quota, "addr").remaining == 0


def test_hits_start_no_threads_and_expired_counters_are_swept():
    storage = SweepingMemoryStorage()
    time.sleep(0.05)  # the parent's one start-up timer has run
    before = threading.active_count()
    for i in range(500):
        storage.incr(f"key-{i}", expiry=0.01)
    assert threading.active_count() == before
    time.sleep(0.02)
    storage._next_sweep = 0.0  # the sweep is due
    storage.incr("fresh", expiry=60)
    assert set(storage.storage) == {"fresh"} and set(storage.expirations) == {"fresh"}
