"""The HJ 212 receiver's one writer: packets from every connection, committed in batches.

Connections hand their decoded data packets to :class:`Intake`; its thread checks each
packet's device (MN registered, PW matching), turns the values into reading rows, stores a
batch of packets (up to ``max_batch``, gathered for at most ``max_wait`` seconds) with one
``store_readings`` and one commit, and only then reports each packet's outcome, so that no
device is acknowledged before its readings are committed. If a batch fails, its packets are
retried one by one: a packet the database refuses costs only its own acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.db import get_db, utcnow, writing
from credit.monitoring.hj212 import REALTIME, Packet
from credit.monitoring.storage import (
    Device,
    ReadingRow,
    device_for,
    password_matches,
    store_readings,
)

log = logging.getLogger(__name__)

#: how far ahead of the server's clock a device's DataTime may be (clock drift)
MAX_AHEAD = dt.timedelta(days=1)
#: devices looked up are remembered this long (a newly registered MN is heard after it)
DEVICE_TTL = 60.0
_DEVICE_CACHE_MAX = 100_000


class Outcome(enum.StrEnum):
    """What became of a data packet; only ``STORED`` is acknowledged."""

    STORED = "stored"
    UNKNOWN_DEVICE = "unknown_device"
    BAD_PASSWORD = "bad_password"  # noqa: S105 - a reason code
    AHEAD = "data_time_ahead"  # DataTime more than MAX_AHEAD after now
    NOT_STORED = "not_stored"  # the database refused it; the device will resend


Done = Callable[[Outcome], None]


@dataclass(frozen=True, slots=True)
class _Item:
    packet: Packet
    done: Done


def readings_of(packet: Packet) -> list[ReadingRow]:
    """A data packet's values as reading rows: Rtd for real-time data, else Avg with Min,
    Max and the total (Cou); a pollutant that sends only its total is kept with no mean."""
    cn = int(packet.cn)
    key = "Rtd" if packet.cn == REALTIME else "Avg"
    assert packet.data_time is not None  # decode() sets it for every data command
    return [
        ReadingRow(
            mn=packet.mn,
            cn=cn,
            pollutant=m.pollutant,
            time=packet.data_time,
            value=m.values.get(key),
            flag=m.flag,
            min=m.values.get("Min"),
            max=m.values.get("Max"),
            total=m.values.get("Cou"),
        )
        for m in packet.measurements
        if key in m.values or "Cou" in m.values
    ]


class Intake:
    """The writer thread; :meth:`submit` is safe from any thread."""

    def __init__(self, app: Any, max_batch: int = 500, max_wait: float = 0.2) -> None:
        self._app = app
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="hj212-writer", daemon=True)
        self._devices: dict[str, tuple[float, Device | None]] = {}
        #: the password last found matching each remembered device (saves a keyed hash)
        self._passwords: dict[str, str] = {}
        #: commits done and packets they held (the bench and the log read them)
        self.commits = 0
        self.packets = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, packet: Packet, done: Done) -> None:
        """Queue ``packet``; ``done(outcome)`` is called from the writer thread."""
        self._queue.put(_Item(packet, done))

    def stop(self, timeout: float = 30.0) -> None:
        """Store what is queued, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        with self._app.app_context():
            stopping = False
            while not stopping:
                item = self._queue.get()
                if item is None:
                    break
                batch, stopping = self._gather(item)
                self._commit(batch)

    def _gather(self, first: _Item) -> tuple[list[_Item], bool]:
        """``first`` and what arrives while a batch fills: everything already waiting, then
        more as long as it keeps coming (a few ms apart), up to max_batch / max_wait."""
        batch = [first]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=min(remaining, 0.005))
                except queue.Empty:
                    break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _commit(self, batch: list[_Item]) -> None:
        try:
            outcomes = self._store(batch)
        except Exception:
            if len(batch) > 1:
                log.warning("a batch of %d packets failed; storing them one by one", len(batch))
                for item in batch:
                    self._commit([item])
                return
            log.exception("packet from %s not stored", batch[0].packet.mn)
            outcomes = [Outcome.NOT_STORED]
        for item, outcome in zip(batch, outcomes, strict=True):
            try:
                item.done(outcome)
            except Exception:  # a connection gone meanwhile must not stop the writer
                log.exception("outcome callback failed")

    def _store(self, batch: list[_Item]) -> list[Outcome]:
        """Check, store and commit ``batch`` in one transaction; each packet's outcome."""
        session = get_db().new_session()
        try:
            with writing():
                latest = utcnow() + MAX_AHEAD
                outcomes, rows = [], []
                for item in batch:
                    outcome = self._check(session, item.packet, latest)
                    outcomes.append(outcome)
                    if outcome is Outcome.STORED:
                        rows += readings_of(item.packet)
                store_readings(session, rows)
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        self.commits += 1
        self.packets += len(batch)
        return outcomes

    def _check(self, session: Any, packet: Packet, latest: dt.datetime) -> Outcome:
        device = self._device(session, packet.mn)
        if device is None:
            return Outcome.UNKNOWN_DEVICE
        if self._passwords.get(packet.mn) != packet.pw:
            if not password_matches(device, packet.pw):
                return Outcome.BAD_PASSWORD
            self._passwords[packet.mn] = packet.pw  # forgotten with the device, below
        if packet.data_time is not None and packet.data_time > latest:
            return Outcome.AHEAD
        return Outcome.STORED

    def _device(self, session: Any, mn: str) -> Device | None:
        now = time.monotonic()
        cached = self._devices.get(mn)
        if cached is not None and cached[0] > now:
            return cached[1]
        if len(self._devices) >= _DEVICE_CACHE_MAX:
            self._devices.clear()  # many unknown MNs: forget them rather than grow
            self._passwords.clear()
        self._passwords.pop(mn, None)  # a changed password counts from the next look-up
        device = device_for(session, mn)
        self._devices[mn] = (now + DEVICE_TTL, device)
        return device
