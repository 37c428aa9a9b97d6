"""Change-log consumers: each applies new rows after its watermark, idempotently.

In the embedded setup they run as threads of the app process, woken after each commit
that wrote change-log rows and on a timer; ``flask worker`` runs them as a separate
process for multi-host deployments (PostgreSQL's SKIP LOCKED keeps two workers from
applying the same batch).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changelog import ChangeLog, claim_watermark, read_changes, set_watermark
from core.db import get_db, writing

log = logging.getLogger(__name__)
EXTENSION = "envcredit.consumers"


class Consumer:
    """A change-log consumer whose work and watermark commit in one transaction."""

    name = "consumer"
    batch_size = 500

    def process(self, session: Session, changes: Sequence[ChangeLog]) -> None:
        """Apply ``changes`` (ordered by seq) using ``session``; do not commit."""
        raise NotImplementedError

    def read_batch(self, session: Session, after: int) -> Sequence[Any]:
        """The changes of the next batch: ``batch_size`` rows after ``after``."""
        return read_changes(session, after, self.batch_size)

    def pending(self, session: Session) -> int:
        """How many change-log rows this consumer has not applied yet."""
        from core.changelog import get_watermark, last_seq

        return max(0, last_seq(session) - get_watermark(session, self.name))

    def run_once(self) -> int:
        """Apply one batch; returns how many changes were applied (0 = caught up or busy)."""
        db = get_db()
        with writing():
            session = db.new_session()
            try:
                after = claim_watermark(session, self.name)
                if after is None:
                    session.rollback()
                    return 0
                changes = self.read_batch(session, after)
                if changes:
                    self.process(session, changes)
                    set_watermark(session, self.name, changes[-1].seq)
                session.commit()
                return len(changes)
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def catch_up(self) -> int:
        """Apply batches until nothing is pending; returns the total applied."""
        total = 0
        while n := self.run_once():
            total += n
        return total


def read_coalesced(
    session: Session,
    after: int,
    key: Callable[[Any], Any],
    max_keys: int,
    page: int = 5000,
    max_rows: int = 500_000,
) -> list[Any]:
    """Light change rows (seq, entity, entity_id, enterprise_id) after ``after``, page by page,
    until ``max_keys`` distinct ``key(row)`` values (None: not counted) or ``max_rows`` rows:
    a consumer whose work is per key (an enterprise, an outlet) then does it once for many
    transactions' rows (a day of hourly readings) instead of once per ``page`` rows."""
    out: list[Any] = []
    keys: set[Any] = set()
    while len(keys) < max_keys and len(out) < max_rows:
        rows = session.execute(
            select(ChangeLog.seq, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.enterprise_id)
            .where(ChangeLog.seq > (out[-1].seq if out else after))
            .order_by(ChangeLog.seq)
            .limit(page)
        ).all()
        out += rows
        keys.update(k for k in map(key, rows) if k is not None)
        if len(rows) < page:
            break
    return out


def register_consumer(app: Flask, consumer: Consumer) -> None:
    """Make ``consumer`` part of the app's background work."""
    app.extensions.setdefault(EXTENSION, []).append(consumer)


def consumers(app: Flask | None = None) -> list[Consumer]:
    return list((app or current_app).extensions.get(EXTENSION, []))


def lag(session: Session | None = None) -> dict[str, int]:
    """Change-log rows each consumer has still to apply (for /readyz and /metrics)."""
    from core.db import get_session

    session = session or get_session()
    return {c.name: c.pending(session) for c in consumers()}


def register_gauges(app: Flask) -> None:
    """The change log's head and each consumer's lag, in /metrics."""
    from core.changelog import last_seq
    from core.metrics import register_gauge

    register_gauge(app, "envcredit_changelog_head_seq", "Newest committed change-log seq", last_seq)
    register_gauge(
        app,
        "envcredit_consumer_lag",
        "Change-log rows (or due items) each consumer has still to apply",
        lag,
        ["consumer"],
    )


def drain(app: Flask | None = None, rounds: int = 10) -> None:
    """Run every consumer until all are caught up (tests, CLI, `make run`)."""
    for _ in range(rounds):
        if sum(c.catch_up() for c in consumers(app)) == 0:
            return


class ConsumerThreads:
    """One daemon thread per consumer, woken by commits and every ``interval`` seconds."""

    def __init__(self, app: Flask, interval: float = 5.0) -> None:
        self.app = app
        self.interval = interval
        self.stopping = threading.Event()
        self._wake: list[threading.Event] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for consumer in consumers(self.app):
            wake = threading.Event()
            thread = threading.Thread(
                target=self._loop,
                args=(consumer, wake),
                name=f"consumer-{consumer.name}",
                daemon=True,
            )
            self._wake.append(wake)
            self._threads.append(thread)
            thread.start()

    def wake(self, _seq: int = 0) -> None:
        for event in self._wake:
            event.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, consumer: Consumer, wake: threading.Event) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                try:
                    while consumer.run_once() and not self.stopping.is_set():
                        pass
                except Exception:
                    log.exception("consumer %s failed; retrying", consumer.name)
                    self.stopping.wait(self.interval)
                finally:
                    get_db().session.remove()
                wake.wait(self.interval)
                wake.clear()


def start_background(app: Flask) -> ConsumerThreads:
    """Start the consumers as threads of this process and wake them after commits."""
    threads = ConsumerThreads(app)
    app.extensions["envcredit.consumer_threads"] = threads
    app.extensions["envcredit.db"].on_commit(threads.wake)
    threads.start()
    return threads


@click.command("worker")
@click.option(
    "--interval",
    type=float,
    default=2.0,
    show_default=True,
    help="seconds between polls of the change log",
)
@with_appcontext
def worker_cmd(interval: float) -> None:
    """Run the change-log consumers (indexing, rescoring, webhooks) until stopped."""
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    threads = ConsumerThreads(app, interval=interval)
    signal.signal(signal.SIGTERM, lambda *_: threads.stopping.set())
    names = ", ".join(c.name for c in consumers(app)) or "none"
    click.echo(f"worker: consumers {names}; Ctrl-C to stop", err=True)
    threads.start()
    try:
        while not threads.stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    threads.stop()
