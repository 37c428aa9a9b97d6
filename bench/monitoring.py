"""bench/monitoring: HJ 212 ingest over TCP against a bare executemany of the same rows.

200 simulated outlets send a day of hourly packets (CN 2061, five pollutants each, Flag=5:
answer wanted) and one device streams a day of minute data (CN 2051, five pollutants), all
at once over loopback to `flask monitoring serve` (its own process, as in production); the
time runs from the first byte sent to the last 9014 answer received, and every answer
means a commit. The baseline inserts the same finished rows with one executemany into
plain tables of the same columns and keys, one transaction, in the same run. Both on
SQLite and, when it answers on 127.0.0.1:5432, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
)

from bench.common import demo_app
from bench.report import Figure
from core.clock import CHINA
from core.db import get_db, writing
from credit.monitoring.hj212 import Measurement, Splitter, data_segment, encode
from credit.monitoring.intake import readings_of
from credit.monitoring.models import Outlet, RawReading, Reading
from credit.monitoring.storage import hash_password

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
PW = "bench1"
POLLUTANTS = ("a21026", "a21002", "a34013", "a21005", "a19001")
DAY = dt.datetime(2026, 11, 2, tzinfo=CHINA)


def _devices(session, outlets: int) -> list[str]:
    """``outlets`` hourly devices and one minute device, on the demo enterprises."""
    enterprise_ids = [row[0] for row in session.execute(text("SELECT id FROM enterprises"))]
    password_hash = hash_password(PW)
    mns = [f"BENCH{i:04d}" for i in range(outlets + 1)]
    session.add_all(
        Outlet(
            mn=mn,
            enterprise_id=enterprise_ids[i % len(enterprise_ids)],
            outlet_code=f"DA{i:04d}",
            kind="gas",
            commissioned_on=dt.date(2025, 1, 1),
            password_hash=password_hash,
        )
        for i, mn in enumerate(mns)
    )
    session.commit()
    return mns


def _packets(mn: str, cn: str, times: list[dt.datetime], salt: int) -> list[bytes]:
    packets = []
    for k, when in enumerate(times):
        values = [
            Measurement(p, {"Avg": 10 + (salt + k + j) % 50 / 3, "Min": 1.0, "Max": 90.5}, "N")
            for j, p in enumerate(POLLUTANTS)
        ]
        qn = f"{when:%Y%m%d%H%M%S}{k % 1000:03d}"
        packets.append(encode(data_segment(cn, mn, PW, when, values, qn=qn)))
    return packets


def _workload(mns: list[str], hours: int) -> dict[str, list[bytes]]:
    hourly = [DAY + dt.timedelta(hours=h) for h in range(hours)]
    minutes = [DAY + dt.timedelta(minutes=m) for m in range(hours * 60)]
    work = {mn: _packets(mn, "2061", hourly, i) for i, mn in enumerate(mns[:-1])}
    work[mns[-1]] = _packets(mns[-1], "2051", minutes, 7)
    return work


async def _device(port: int, packets: list[bytes], started: asyncio.Event) -> float:
    """One device: connects, waits for the start, sends its packets, reads every answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await started.wait()
    writer.write(b"".join(packets))
    splitter, answered = Splitter(), 0
    while answered < len(packets):
        data = await asyncio.wait_for(reader.read(65536), 60)
        if not data:
            raise RuntimeError(f"closed after {answered} of {len(packets)} answers")
        answered += sum(1 for r in splitter.feed(data) if getattr(r, "cn", "") == "9014")
    writer.close()
    return time.perf_counter()


async def _send_all(port: int, work: dict[str, list[bytes]]) -> float:
    started = asyncio.Event()
    tasks = [asyncio.create_task(_device(port, p, started)) for p in work.values()]
    await asyncio.sleep(1.0)  # every device connected before the clock starts
    begin = time.perf_counter()
    started.set()
    ends = await asyncio.gather(*tasks)
    return max(ends) - begin


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], int]:
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask), "--app", "wsgi", "monitoring", "serve", "--port", "0"]
    with log.open("w") as err:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, int(line.split(" / ")[0].rsplit(":", 1)[1])


def _bare(url: str, rows: list[dict]) -> float:
    """The floor: the same rows, executemany into plain tables with the same keys."""
    meta = MetaData()
    tables = {
        name: Table(
            f"bench_bare_{name}",
            meta,
            Column("mn", String(24), primary_key=True),
            Column("cn", Integer, primary_key=True),
            Column("pollutant", String(16), primary_key=True),
            Column("time", DateTime(timezone=True), primary_key=True),
            Column("value", Float),
            Column("min", Float),
            Column("max", Float),
            Column("total", Float),
            Column("flag", String(1)),
        )
        for name in ("means", "raw")
    }
    engine = create_engine(url)
    meta.create_all(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(tables["means"]), [r for r in rows if r["cn"] == 2061])
        conn.execute(insert(tables["raw"]), [r for r in rows if r["cn"] == 2051])
    elapsed = time.perf_counter() - started
    meta.drop_all(engine)
    engine.dispose()
    return elapsed


def _one(label: str, database_url: str | None, outlets: int, hours: int) -> tuple[Figure, str]:
    with demo_app(100, database_url=database_url) as app:
        db = get_db()
        url = db.engine.url.render_as_string(hide_password=False)
        session = db.new_session()
        with writing():
            mns = _devices(session, outlets)
        work = _workload(mns, hours)
        rows = [
            r.as_dict()
            for packets in work.values()
            for p in packets
            for r in readings_of(Splitter().feed(p)[0])  # type: ignore[arg-type]
        ]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "ENVCREDIT_INSTANCE": app.config["ENVCREDIT_INSTANCE"],
            "BACKGROUND_CONSUMERS": "false",
        }
        log = Path(app.config["ENVCREDIT_INSTANCE"], "receiver.log")
        process, port = _serve(env, log)
        try:
            ready = psutil.Process(process.pid).cpu_times()
            client_cpu = time.process_time()
            seconds = asyncio.run(_send_all(port, work))
            client_cpu = time.process_time() - client_cpu
            times = psutil.Process(process.pid).cpu_times()
            server_cpu = times.user + times.system - ready.user - ready.system
        finally:
            process.terminate()
            process.wait(30)
        # the bench's own devices only (the demo network has readings of its own)
        stored = session.scalar(
            select(func.count()).select_from(Reading).where(Reading.mn.in_(mns))
        )
        stored += session.scalar(
            select(func.count()).select_from(RawReading).where(RawReading.mn.in_(mns))
        )
        commits = [ln for ln in log.read_text().splitlines() if "commits of" in ln]
        session.close()
        bare = _bare(url, rows)
    assert stored == len(rows), (stored, len(rows))
    packets = sum(len(p) for p in work.values())
    rate, bare_rate = len(rows) / seconds, len(rows) / bare
    figure = Figure(
        "monitoring",
        f"HJ 212 ingest over TCP, {label} ({outlets} outlets hourly + 1 minute stream)",
        rate,
        "rows/s",
        "bare executemany",
        bare_rate,
        rate / bare_rate,
        "≥ 0.5×",
        rate / bare_rate >= 0.5,
        {"packets": packets, "rows": len(rows), "seconds": seconds, "bare_seconds": bare},
    )
    note = (
        f"{label}: {packets} packets ({len(rows)} rows) from {outlets + 1} connections in "
        f"{seconds:.2f} s, every one answered after its commit ({packets / seconds:.0f} "
        f"packets/s; receiver: {commits[-1].split(': ', 1)[-1] if commits else '?'}); "
        f"bare executemany of the same rows {bare:.2f} s; CPU: receiver {server_cpu:.2f} s "
        f"(after its start), simulated devices {client_cpu:.2f} s"
    )
    return figure, note


def _postgres_database() -> str | None:
    name = f"envcredit_bench_mon_{os.getpid()}"
    try:
        admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:
        return None
    return name


def _drop(name: str) -> None:
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(scale: float) -> tuple[list[Figure], list[str]]:
    outlets = max(20, int(200 * min(scale, 1.0)))
    hours = max(2, int(24 * scale))
    figures, notes = [], []
    with tempfile.TemporaryDirectory(prefix="envcredit-monitoring-"):
        figure, note = _one("SQLite", None, outlets, hours)
        figures.append(figure)
        notes.append(note)
        name = _postgres_database()
        if name is None:
            notes.append("PostgreSQL: not reachable on 127.0.0.1:5432, not measured")
        else:
            try:
                figure, note = _one("PostgreSQL", f"{PG}/{name}", outlets, hours)
                figures.append(figure)
                notes.append(note)
            finally:
                _drop(name)
    return figures, notes
