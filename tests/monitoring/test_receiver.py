"""The HJ 212 receiver over real sockets on 127.0.0.1: answers, refusals, limits, batching."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.changelog import ChangeLog
from core.clock import CHINA
from credit.monitoring import intake as intake_module
from credit.monitoring.hj212 import (
    Measurement,
    Packet,
    Splitter,
    crc16,
    data_segment,
    encode,
)
from credit.monitoring.intake import Intake
from credit.monitoring.models import OUTLET_ENTITY, Outlet, RawReading, Reading, Station
from credit.monitoring.receiver import Limits, Receiver
from credit.monitoring.storage import hash_password
from tests.factories import create_enterprise

PW = "123456"
POLLUTANTS = ("a21026", "a21002", "a34013", "a19001", "a01011")
_codes = itertools.count(1)


class Running:
    """A receiver on an ephemeral loopback port, its loop in a thread of its own."""

    def __init__(self, app, limits: Limits, **intake_options) -> None:
        self.intake = Intake(app, **intake_options)
        self.intake.start()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.receiver = Receiver(self.intake, limits)
        start = self.receiver.start("127.0.0.1", 0)
        self.host, self.port = asyncio.run_coroutine_threadsafe(start, self.loop).result(5)

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=5)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.receiver.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
        self.intake.stop()


@pytest.fixture
def limits() -> Limits:
    return Limits(max_connections=50, idle_timeout=5.0, packet_timeout=0.5)


@pytest.fixture
def running(app, limits) -> Iterator[Running]:
    server = Running(app, limits)
    yield server
    server.close()


def register(session, app, mn: str, password: str = PW) -> Outlet:
    enterprise = create_enterprise(session)
    with app.app_context():
        password_hash = hash_password(password)
    outlet = Outlet(
        mn=mn,
        enterprise_id=enterprise.id,
        outlet_code=f"DA{next(_codes):03d}",
        kind="gas",
        commissioned_on=dt.date(2025, 1, 1),
        password_hash=password_hash,
    )
    session.add(outlet)
    session.commit()
    return outlet


def hourly(
    mn: str, hour: int = 8, *, pw: str = PW, flag: int = 5, day: int = 1, qn: str | None = None
) -> bytes:
    """An hourly packet (CN 2061) with five pollutants, asking for an answer (Flag=5)."""
    when = dt.datetime(2026, 8, day, hour, tzinfo=CHINA)
    values = [
        Measurement(code, {"Avg": 10.0 + i, "Min": 5.0, "Max": 20.0 + i}, "N")
        for i, code in enumerate(POLLUTANTS)
    ]
    qn = qn or f"202608{day:02d}{hour:02d}0000{hour % 10}00"
    return encode(data_segment("2061", mn, pw, when, values, qn=qn, flag=flag))


def answers(sock: socket.socket, count: int, timeout: float = 5.0) -> list[Packet]:
    """Read ``count`` answers (fewer if the server closes or nothing comes in time)."""
    splitter, got = Splitter(), []
    deadline = time.monotonic() + timeout
    while len(got) < count and (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            break
        if not data:
            break
        got += [r for r in splitter.feed(data) if isinstance(r, Packet)]
    return got


def closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def wait_for(condition, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the receiver did not get there in time"
        time.sleep(0.02)


def count(session, model, mn: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model).where(model.mn == mn))


def test_an_hourly_packet_is_stored_then_answered_with_9014(running, session, app):
    register(session, app, "MN0001")
    with running.connect() as sock:
        sock.sendall(hourly("MN0001", qn="20260801080000100"))
        (answer,) = answers(sock, 1)
        # answered after the commit: a new transaction already sees all five values
        assert count(session, Reading, "MN0001") == 5
    assert (answer.qn, answer.st, answer.cn, answer.mn, answer.flag, answer.cp) == (
        "20260801080000100",
        "91",
        "9014",
        "MN0001",
        4,
        "",
    )
    row = session.scalar(select(Reading).where(Reading.pollutant == "a21002"))
    assert (row.cn, row.value, row.min, row.max, row.flag) == (2061, 11.0, 5.0, 21.0, "N")
    assert row.time == dt.datetime(2026, 8, 1, 0, tzinfo=dt.UTC)  # 08:00 China time
    changes = session.scalars(select(ChangeLog).where(ChangeLog.entity == OUTLET_ENTITY))
    assert [c.entity_id for c in changes] == ["MN0001"]


def test_a_packet_not_asking_for_an_answer_is_stored_silently(running, session, app):
    register(session, app, "MN0002")
    with running.connect() as sock:
        sock.sendall(hourly("MN0002", flag=4))
        assert answers(sock, 1, timeout=1.0) == []
    assert count(session, Reading, "MN0002") == 5


def test_realtime_and_minute_data_go_to_raw_readings(running, session, app):
    register(session, app, "MN0003")
    when = dt.datetime(2026, 8, 1, 8, 1, 30, tzinfo=CHINA)
    realtime = data_segment("2011", "MN0003", PW, when, [Measurement("a21026", {"Rtd": 3.5}, "D")])
    minute = data_segment(
        "2051", "MN0003", PW, when, [Measurement("a21026", {"Avg": 3.0, "Max": 4.0}, "N")]
    )
    with running.connect() as sock:
        sock.sendall(encode(realtime) + encode(minute))
        assert [a.cn for a in answers(sock, 2)] == ["9014", "9014"]
    session.rollback()
    rows = session.scalars(select(RawReading).order_by(RawReading.cn)).all()
    assert [(r.cn, r.value, r.flag) for r in rows] == [(2011, 3.5, "D"), (2051, 3.0, "N")]


def test_a_station_is_a_device_too(running, session, app):
    with app.app_context():
        password_hash = hash_password(PW)
    session.add(
        Station(
            mn="ST0001",
            name="城关微站",
            kind="micro",
            latitude=36.05,
            longitude=103.85,
            region_code="620102",
            password_hash=password_hash,
        )
    )
    session.commit()
    with running.connect() as sock:
        sock.sendall(hourly("ST0001"))
        assert len(answers(sock, 1)) == 1
    assert count(session, Reading, "ST0001") == 5


def test_a_resend_after_a_lost_answer_stores_once(running, session, app):
    register(session, app, "MN0004")
    packet = hourly("MN0004")
    with running.connect() as sock:
        sock.sendall(packet)
        assert len(answers(sock, 1)) == 1
    with running.connect() as sock:  # the device never saw it, reconnects and resends
        sock.sendall(packet + packet)  # twice, in one batch
        assert len(answers(sock, 2)) == 2
    assert count(session, Reading, "MN0004") == 5


GOOD_SEGMENT = hourly("MNGOOD")[6:-6].decode()
MALFORMED = {
    "bad length": b"##9x99" + GOOD_SEGMENT.encode() + b"0000\r\n",
    "wrong length": b"##%04d" % (len(GOOD_SEGMENT) - 1) + hourly("MNGOOD")[6:],
    "bad crc": hourly("MNGOOD")[:-6] + b"%04X\r\n" % (crc16(GOOD_SEGMENT.encode()) ^ 1),
    "unknown mn": hourly("MNNOBODY"),
    "wrong password": hourly("MNGOOD", pw="654321"),
    "oversize": b"##1025" + b"QN=" * 400,
    "garbage": bytes(range(256)) * 4,
    "bad fields": encode(GOOD_SEGMENT.replace("DataTime=20260801", "DataTime=20261301")),
    "data time ahead": encode(GOOD_SEGMENT.replace("DataTime=20260801", "DataTime=20990801")),
}


#: the reason each refusal is logged with
LOGGED = {
    "bad length": "bad_length",
    "wrong length": "bad_length",
    "bad crc": "bad_crc",
    "unknown mn": "unknown_device",
    "wrong password": "bad_password",
    "oversize": "oversize",
    "garbage": "garbage",
    "bad fields": "bad_fields",
    "data time ahead": "data_time_ahead",
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_refused_packet_gets_no_answer_and_nobody_else_notices(
    running, session, app, kind, caplog
):
    caplog.set_level(logging.INFO, logger="credit.monitoring")
    register(session, app, "MNGOOD")
    register(session, app, "MNOTHER")
    with running.connect() as bad, running.connect() as good:
        bad.sendall(MALFORMED[kind][:700])
        good.sendall(hourly("MNOTHER", hour=9))
        bad.sendall(MALFORMED[kind][700:])
        assert len(answers(good, 1)) == 1
        assert answers(bad, 1, timeout=0.8) == []
        # the refused connection carries on: its next good packet is stored and answered
        bad.sendall(hourly("MNGOOD", hour=10))
        (answer,) = answers(bad, 1)
        assert answer.qn == "20260801100000000"
    session.rollback()
    stored = session.scalars(select(Reading.time).where(Reading.mn == "MNGOOD")).all()
    assert set(stored) == {dt.datetime(2026, 8, 1, 2, tzinfo=dt.UTC)}  # 10:00 only
    assert count(session, Reading, "MNOTHER") == 5
    assert LOGGED[kind] in caplog.text
    assert "PW=" not in caplog.text and "654321" not in caplog.text


def test_a_client_that_stops_mid_packet_is_dropped_after_the_packet_timeout(running, session, app):
    register(session, app, "MN0005")
    with running.connect() as stuck, running.connect() as good:
        stuck.sendall(hourly("MN0005")[:100])
        good.sendall(hourly("MN0005", hour=11))
        assert len(answers(good, 1)) == 1
        started = time.monotonic()
        assert closed_by_server(stuck, within=3.0)
        assert time.monotonic() - started < 2.0  # packet timeout 0.5 s, not idle 5 s
    assert count(session, Reading, "MN0005") == 5


def test_a_silent_connection_is_closed_after_the_idle_timeout(app):
    server = Running(app, Limits(max_connections=5, idle_timeout=0.4, packet_timeout=0.2))
    try:
        with server.connect() as silent:
            assert closed_by_server(silent, within=3.0)
        with server.connect() as trickle:  # bytes, never a packet: idle all the same
            for _ in range(8):
                try:
                    trickle.sendall(b"x")
                except OSError:
                    break
                time.sleep(0.1)
            assert closed_by_server(trickle, within=3.0)
    finally:
        server.close()


def test_connections_over_the_cap_are_refused_and_the_others_served(app, session):
    register(session, app, "MN0006")
    server = Running(app, Limits(max_connections=2, idle_timeout=5.0, packet_timeout=1.0))
    try:
        first, second = server.connect(), server.connect()
        wait_for(lambda: server.receiver.connections == 2)
        with server.connect() as third:
            assert closed_by_server(third, within=2.0)
        assert server.receiver.refused_connections == 1
        first.sendall(hourly("MN0006"))
        assert len(answers(first, 1)) == 1
        second.close()
        wait_for(lambda: server.receiver.connections == 1)
        with server.connect() as fourth:
            fourth.sendall(hourly("MN0006", hour=9))
            assert len(answers(fourth, 1)) == 1
        first.close()
    finally:
        server.close()


def test_a_long_lived_connection_sends_many_packets_committed_in_batches(running, session, app):
    register(session, app, "MN0007")
    packets = [hourly("MN0007", hour=h, day=d) for d in range(1, 11) for h in range(24)]
    with running.connect() as sock:
        sender = threading.Thread(target=sock.sendall, args=(b"".join(packets),))
        sender.start()
        got = answers(sock, len(packets), timeout=30)
        sender.join()
    assert len(got) == 240
    # answered in the order sent
    assert [a.qn for a in got] == [Splitter().feed(p)[0].qn for p in packets]
    assert count(session, Reading, "MN0007") == 240 * 5
    assert running.intake.commits < 240


def test_many_devices_at_once_are_all_answered(running, session, app):
    mns = [f"MNMANY{i:03d}" for i in range(40)]
    for mn in mns:
        register(session, app, mn)
    sockets = [running.connect() for _ in mns]
    try:
        for sock, mn in zip(sockets, mns, strict=True):
            sock.sendall(hourly(mn))
        assert all(len(answers(sock, 1)) == 1 for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Reading)) == 40 * 5


def test_a_packet_the_database_refuses_is_not_answered_and_its_batch_is(app, session, monkeypatch):
    register(session, app, "MN0008")
    register(session, app, "MN0009")
    real = intake_module.store_readings

    def refusing(session, rows, replace=False):
        if any(r.mn == "MN0009" for r in rows):
            raise RuntimeError("the database is unwell")
        real(session, rows, replace)

    monkeypatch.setattr(intake_module, "store_readings", refusing)
    server = Running(app, Limits(packet_timeout=1.0), max_wait=0.3)
    try:
        with server.connect() as one, server.connect() as other:
            one.sendall(hourly("MN0008"))
            other.sendall(hourly("MN0009"))
            assert len(answers(one, 1)) == 1
            assert answers(other, 1, timeout=1.0) == []
    finally:
        server.close()
    assert count(session, Reading, "MN0008") == 5
    assert count(session, Reading, "MN0009") == 0


def test_flask_monitoring_serve_answers_and_stops_on_sigterm(app, app_config, session):
    register(session, app, "MN0010")
    env = {
        **os.environ,
        "DATABASE_URL": str(app_config["DATABASE_URL"]),
        "ENVCREDIT_INSTANCE": str(app_config["ENVCREDIT_INSTANCE"]),
        "BACKGROUND_CONSUMERS": "false",
    }
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask), "--app", "wsgi", "monitoring", "serve", "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # "HJ 212 接收服务正在监听 127.0.0.1:PORT / …"
        port = int(line.split(" / ")[0].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(hourly("MN0010"))
            assert len(answers(sock, 1)) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
    assert count(session, Reading, "MN0010") == 5
