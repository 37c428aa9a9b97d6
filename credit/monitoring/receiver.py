"""The HJ 212-2017 receiver: an asyncio TCP server in front of the one writer thread.

Each connection reads bytes into its own :class:`~credit.monitoring.hj212.Splitter`, hands
every data packet (CN 2011/2051/2061/2031) to :class:`~credit.monitoring.intake.Intake`
and, when the packet's Flag asks for it, answers with the data response (CN 9014) once the
writer reports the packet committed, in the order the packets came. A refused packet is
logged with its reason (and the MN, never the password) and gets no answer, the way the
standard has a device resend when no response comes; the connection carries on. Limits:
a connection cap, an idle timeout (no whole packet for that long) and a packet timeout (a
started packet must arrive whole within it), so slow and half-open clients are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

from credit.monitoring.hj212 import (
    DATA_COMMANDS,
    Packet,
    PacketError,
    Splitter,
    data_response,
)
from credit.monitoring.intake import Intake, Outcome
from credit.monitoring.receiver_metrics import ReceiverMetrics

log = logging.getLogger(__name__)

_READ_SIZE = 16384
#: packets of one connection waiting for their commit (more: its reads pause)
_IN_FLIGHT = 256
#: bytes of answers waiting to be sent before a connection waits for its device to read
_WRITE_BUFFER = 65536
#: refusals in a row after which a connection is closed (it is not speaking HJ 212)
_MAX_REFUSALS = 32


@dataclass(frozen=True)
class Limits:
    """The receiver's limits (configuration ``MONITORING_*``)."""

    max_connections: int = 1000
    #: seconds without a whole packet before the connection is closed
    idle_timeout: float = 120.0
    #: seconds a started packet may take to arrive whole
    packet_timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        return cls(
            max_connections=int(config["MONITORING_MAX_CONNECTIONS"]),
            idle_timeout=float(config["MONITORING_IDLE_TIMEOUT"]),
            packet_timeout=float(config["MONITORING_PACKET_TIMEOUT"]),
        )


class Receiver:
    """Serves HJ 212 connections; :meth:`start` binds, :meth:`close` ends it all."""

    def __init__(self, intake: Intake, limits: Limits | None = None) -> None:
        self.intake = intake
        self.limits = limits or Limits()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: connections refused at the cap, since start (tests and logs read it)
        self.refused_connections = 0
        self.metrics = ReceiverMetrics(lambda: self.connections)

    @property
    def connections(self) -> int:
        return len(self._tasks)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (0 = any free port); the address bound."""
        self.mailbox = _Mailbox(asyncio.get_running_loop())
        self._server = await asyncio.start_server(
            self._accept, host, port, limit=_READ_SIZE, reuse_address=True
        )
        address = self._server.sockets[0].getsockname()
        return address[0], address[1]

    async def close(self) -> None:
        """Stop listening and drop every connection (the writer keeps what it has)."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        self.metrics.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = _peer(writer)
        if len(self._tasks) >= self.limits.max_connections:
            self.refused_connections += 1
            self.metrics.connections.labels("refused").inc()
            log.warning("hj212 %s: refused, %d connections open", peer, len(self._tasks))
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self.metrics.connections.labels("accepted").inc()
        self._tasks.add(task)
        try:
            await Connection(self, reader, writer, peer).serve()
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.info("hj212 %s: connection lost (%s)", peer, type(exc).__name__)
        finally:
            self._tasks.discard(task)
            writer.transport.abort()


class Connection:
    """One device's connection: reads packets, queues them, answers in order."""

    def __init__(
        self,
        receiver: Receiver,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: str,
    ) -> None:
        self.receiver = receiver
        self.limits = receiver.limits
        self.reader = reader
        self.writer = writer
        self.peer = peer
        self.splitter = Splitter()
        self.answers: asyncio.Queue[tuple[Packet, asyncio.Future[Outcome]] | None] = asyncio.Queue(
            _IN_FLIGHT
        )
        self.refusals = 0

    async def serve(self) -> None:
        answering = asyncio.create_task(self._answer())
        try:
            await self._read()
        finally:
            if answering.done():
                answering.result()  # an answer that failed to send ends the connection
            else:
                # what was read is answered (a half-closed device still reads), for a while
                await self.answers.put(None)
                try:
                    await asyncio.wait_for(answering, self.limits.packet_timeout)
                except TimeoutError:
                    log.info("hj212 %s: answers not read, dropped", self.peer)

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        idle_until = loop.time() + self.limits.idle_timeout
        packet_until = 0.0
        while True:
            deadline = packet_until if self.splitter.pending else idle_until
            try:
                data = await asyncio.wait_for(
                    self.reader.read(_READ_SIZE), max(deadline - loop.time(), 0)
                )
            except TimeoutError:
                if self.splitter.pending:
                    self._refused(self.splitter.close(), "packet timeout")
                else:
                    log.info("hj212 %s: idle, closed", self.peer)
                return
            if not data:
                self._refused(self.splitter.close(), "end of stream")
                return
            was_pending = self.splitter.pending
            results = self.splitter.feed(data)
            now = loop.time()
            if results:
                idle_until = now + self.limits.idle_timeout
            if self.splitter.pending and (results or not was_pending):
                packet_until = now + self.limits.packet_timeout
            for result in results:
                if isinstance(result, PacketError):
                    self._refused(result)
                elif result.cn in DATA_COMMANDS:
                    await self._submit(result)
                else:
                    log.info(
                        "hj212 %s: MN %s CN %s not a data upload", self.peer, result.mn, result.cn
                    )
            if self.refusals >= _MAX_REFUSALS:
                log.warning("hj212 %s: %d refusals in a row, closed", self.peer, self.refusals)
                return

    async def _submit(self, packet: Packet) -> None:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        mailbox = self.receiver.mailbox
        await self.answers.put((packet, future))
        self.receiver.intake.submit(packet, lambda outcome: mailbox.post(future, outcome))

    async def _answer(self) -> None:
        """Answer each packet, in order, once its outcome is known; the answers of packets
        committed together go out in one write."""
        entry = await self.answers.get()
        while entry is not None:
            replies = []
            while True:
                packet, future = entry
                replies.append(self._reply(packet, await future))
                if self.answers.empty():
                    entry, taken = None, False
                    break
                # the next one was taken: handled after this write (None ends the loop)
                entry, taken = self.answers.get_nowait(), True
                if entry is None or not entry[1].done():
                    break
            data = b"".join(replies)
            if data:
                self.writer.write(data)
                if self.writer.transport.get_write_buffer_size() > _WRITE_BUFFER:
                    await asyncio.wait_for(self.writer.drain(), self.limits.packet_timeout)
            if not taken:
                entry = await self.answers.get()

    def _reply(self, packet: Packet, outcome: Outcome) -> bytes:
        packets = self.receiver.metrics.packets
        if outcome is not Outcome.STORED:
            packets.labels("refused").inc()
            self.refusals += 1
            log.warning(
                "hj212 %s: MN %s CN %s refused: %s", self.peer, packet.mn, packet.cn, outcome
            )
            return b""
        packets.labels("accepted").inc()
        self.refusals = 0
        return data_response(packet) if packet.wants_ack else b""

    def _refused(self, error: PacketError | None, why: str = "") -> None:
        if error is None:
            return
        self.receiver.metrics.packets.labels("refused").inc()
        self.refusals += 1
        suffix = f" ({why})" if why else ""
        log.warning("hj212 %s: %s%s", self.peer, error, suffix)


class _Mailbox:
    """Outcomes from the writer thread to the event loop, many per wake-up (a wake-up per
    packet would cost the loop a system call and a turn for each)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: list[tuple[asyncio.Future[Outcome], Outcome]] = []
        self._lock = threading.Lock()
        self._scheduled = False

    def post(self, future: asyncio.Future[Outcome], outcome: Outcome) -> None:
        with self._lock:
            self._items.append((future, outcome))
            if self._scheduled:
                return
            self._scheduled = True
        self._loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            items, self._items, self._scheduled = self._items, [], False
        for future, outcome in items:
            if not future.done():
                future.set_result(outcome)


def _peer(writer: asyncio.StreamWriter) -> str:
    address = writer.get_extra_info("peername")
    with contextlib.suppress(TypeError, IndexError):
        return f"{address[0]}:{address[1]}"
    return "?"


def serve(
    app: Any, host: str, port: int, on_ready: Any = None, metrics_port: int | None = None
) -> None:
    """Run the receiver until SIGINT or SIGTERM, then store what was received and stop;
    with ``metrics_port``, its counters are served at 127.0.0.1:metrics_port/metrics."""
    intake = Intake(app)
    intake.start()

    async def main() -> None:
        receiver = Receiver(intake, Limits.from_config(app.config))
        address = await receiver.start(host, port)
        if metrics_port is not None:
            bound = receiver.metrics.serve(metrics_port)
            log.info("hj212: metrics on http://%s:%d/metrics", *bound)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for name in ("SIGINT", "SIGTERM"):
            loop.add_signal_handler(getattr(signal, name), stop.set)
        if on_ready is not None:
            on_ready(*address)
        await stop.wait()
        await receiver.close()

    try:
        asyncio.run(main())
    finally:
        intake.stop()
        log.info("hj212: stopped after %d commits of %d packets", intake.commits, intake.packets)
