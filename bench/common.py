"""Shared set-up for benchmarks: a throw-away instance with demo data."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def demo_app(enterprises: int, seed: int = 1, database_url: str | None = None) -> Iterator[Any]:
    """An app on a fresh migrated database (SQLite in a temp folder by default) with demo data."""
    os.environ.setdefault("BACKGROUND_CONSUMERS", "false")
    from core import migrate
    from core.cli import transaction
    from credit.demo.load import load_demo
    from wsgi import create_app

    with tempfile.TemporaryDirectory(prefix="envcredit-bench-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp, 'bench.sqlite3')}"
        migrate.upgrade(url)
        app = create_app(
            {"ENVCREDIT_INSTANCE": tmp, "DATABASE_URL": url, "BACKGROUND_CONSUMERS": False}
        )
        with app.app_context():
            started = time.perf_counter()
            with transaction() as session:
                load_demo(session, enterprises, seed)
            print(
                f"  demo data: {enterprises} enterprises in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            yield app
        app.extensions["envcredit.db"].dispose()


def timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best
