"""The multi-host rehearsal, all on loopback: two gunicorn app processes, two `flask worker`
processes, PostgreSQL (data and the search backend) and Redis (shared rate limits), the way
docs/deploy.md runs them (BACKGROUND_CONSUMERS=false, SEARCH_BACKEND=postgres, REDIS_URL).

Writes go through both app processes; one worker is killed with SIGKILL in the middle of a
batch (a transaction of its that has written and not committed) and a replacement started.
Then every consumer has applied each change exactly once in effect: the index equals the
database, each penalised enterprise has one new rating row and no other enterprise any,
`credit rescore` finds nothing left to change, each (webhook, event) has exactly one
delivery, delivered, and the receiver got every one; the rate limit is one budget across
both app processes. It prints what it measured (README "Performance" quotes it).

Runs when TEST_DATABASE_URL is set (CI) and Redis answers on REHEARSAL_REDIS_URL
(default redis://127.0.0.1:6379/7, a database of its own: flushed before and after);
with REHEARSAL_REQUIRED=1 (.ci/run sets it) a missing one fails instead of skipping.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bench.faults import _index_matches
from bench.load import _free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("REHEARSAL_REDIS_URL", "redis://127.0.0.1:6379/7")
ENTERPRISES = 150
PENALISED = 144  # one penalty each, in POSTs of PER_POST, half through each app process
PER_POST = 4
TIPOFFS = 16
TIPOFF_BUDGET = 12  # per address, shared through Redis: the other 4 get 429 on either host

#: ~90 s on a quiet 2-core machine; several times that when it shares the CPUs
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(900)]


def _redis_answers() -> bool:
    url = make_url(REDIS_URL.replace("redis://", "redis+x://", 1))
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 6379), 1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def _missing(reason: str) -> None:
    if os.environ.get("REHEARSAL_REQUIRED") == "1":
        pytest.fail(f"REHEARSAL_REQUIRED=1: {reason}")
    pytest.skip(reason)


@pytest.fixture
def database() -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        _missing("the rehearsal needs PostgreSQL: set TEST_DATABASE_URL (CI does)")
    if not _redis_answers():
        _missing(f"the rehearsal needs Redis at {REDIS_URL}")
    assert base is not None
    # named after the CI database so that .ci/run's clean-up drops it even after a crash
    name = f"{make_url(base).database}_rehearsal"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _flush_redis()
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        _flush_redis()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Receiver:
    """A webhook receiver on 127.0.0.1 (the only address a delivery may go to here)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, int]] = []
        lock = threading.Lock()
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    got.append((self.path, int(self.headers["X-Envcredit-Event-Seq"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))
        self.thread.daemon = True
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, f"flask {' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


def _unit_command(unit: str, **replace: str) -> list[str]:
    """The ExecStart of ``deploy/systemd/<unit>`` as it would run here: the release's venv is
    this one, and ``replace`` swaps option values (``--bind``: a loopback port)."""
    text = (ROOT / "deploy" / "systemd" / unit).read_text(encoding="utf-8")
    line = re.search(r"^ExecStart=((?:.*\\\n)*.*)$", text, re.MULTILINE)
    assert line, unit
    words = line.group(1).replace("\\\n", " ").split()
    words[0] = str(BIN / Path(words[0]).name)
    for option, value in replace.items():
        words[words.index(option) + 1] = value
    return words


def _worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    """A `flask worker` as envcredit-worker@.service starts it."""
    with log.open("ab") as out:
        return subprocess.Popen(
            _unit_command("envcredit-worker@.service"),
            env={**env, "PGAPPNAME": name},  # libpq: pg_stat_activity names its connections
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )


def _app_host(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn as envcredit-web.service starts it (deploy/gunicorn.conf.py), on a loopback
    port, one worker process (two hosts share this machine's CPUs); returns once it answers."""
    command = _unit_command(
        "envcredit-web.service", **{"--bind": f"127.0.0.1:{port}", "--workers": "1"}
    )
    with log.open("ab") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.kill()
    raise AssertionError(f"gunicorn on {port} did not start: {log.read_text()[-2000:]}")


def _call(
    port: int, method: str, path: str, body: Any = None, key: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _lag(port: int) -> dict[str, int]:
    status, body = _call(port, "GET", "/readyz")
    assert status == 200, body
    return dict(body["consumers"])


def _wait_caught_up(port: int, engine: Engine, timeout: float) -> dict[str, float]:
    """Wait until every consumer reports nothing left and no delivery is pending; returns,
    for each consumer that had work and for "deliveries", the seconds until it had none."""
    start = time.monotonic()
    done: dict[str, float] = {}
    busy: set[str] = set()
    while time.monotonic() - start < timeout:
        with engine.connect() as conn:
            open_deliveries = conn.scalar(
                text("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
            )
        lag = {**_lag(port), "deliveries": open_deliveries or 0}
        now = time.monotonic() - start
        for name, left in lag.items():
            if left:
                busy.add(name)
                done.pop(name, None)
            elif name in busy:
                done.setdefault(name, now)
        if not any(lag.values()):
            return {**done, "all": now}
        time.sleep(0.2)
    raise AssertionError(f"not caught up after {timeout} s: {_lag(port)}")


def _mid_batch(engine: Engine, name: str, timeout: float) -> str | None:
    """Wait until a connection of worker ``name`` is inside a transaction that has written
    (it holds a transaction id) and not committed, past claiming its batch (the watermark
    row): applying it. Returns the statement it runs."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            query = conn.scalar(
                text(
                    "SELECT query FROM pg_stat_activity WHERE application_name = :name"
                    " AND backend_xid IS NOT NULL AND query NOT LIKE '%FROM watermarks%'"
                    " LIMIT 1"
                ),
                {"name": name},
            )
            conn.rollback()
            if query is not None:
                return str(query)
            time.sleep(0.003)
    return None


def _penalty(uscc: str, i: int, today: dt.date) -> dict[str, str]:
    return {
        "decision_no": f"演练罚〔2026〕{i}号",
        "uscc": uscc,
        "violation_type": "超标排放",
        "facts": "经查，该单位废气排放口颗粒物浓度超标。",
        "legal_basis": "《大气污染防治法》第九十九条",
        "penalty_kinds": "罚款",
        "fine_amount": "80000",
        "decision_date": (today - dt.timedelta(days=20)).isoformat(),
        "authority": "演练市生态环境局",
        "severity": "一般",
    }


TIPOFF = {
    "category": "air",
    "description": "厂区夜间排放黑烟，气味刺鼻，持续一小时以上。",
    "location": "东门外",
    "anonymous": True,
    "region_code": "620100",
}


def test_two_app_hosts_two_workers_postgres_redis(database, tmp_path, capsys):
    env = {
        **os.environ,
        "ENVCREDIT_INSTANCE": str(tmp_path / "instance"),  # shared keys, as one env file
        "DATABASE_URL": database,
        "SEARCH_BACKEND": "postgres",
        "REDIS_URL": REDIS_URL,
        "BACKGROUND_CONSUMERS": "false",
        "WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
        "WEBHOOK_LEASE_SECONDS": "5",  # a killed sender's deliveries wait 5 s, not 130
        "TIPOFF_RATE_LIMIT": f"{TIPOFF_BUDGET} per hour",
        "API_ANON_RATE_LIMIT": "100000 per minute",
        "API_PARTNER_RATE_LIMIT": "100000 per minute",
    }
    engine = create_engine(database)
    processes: list[subprocess.Popen[bytes]] = []
    receiver = Receiver()
    setup = time.monotonic()
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "demo", "load", "--enterprises", str(ENTERPRISES))
        _flask(env, "credit", "rescore")
        _flask(env, "search", "rebuild")
        key = _flask(
            env, "api-keys", "create", "rehearsal", "--scope", "records:write", "--scope",
            "webhooks",
        ).split()[0]  # fmt: skip
        ports = [_free_port(), _free_port()]
        processes += [_app_host(env, port, tmp_path / f"gunicorn-{port}.log") for port in ports]
        logs = tmp_path / "workers.log"
        workers = {n: _worker(env, f"rehearsal-worker-{n}", logs) for n in (1, 2)}
        processes += workers.values()
        _wait_caught_up(ports[0], engine, 240)  # the demo load's change log, no hooks yet
        setup = time.monotonic() - setup

        hooks = {}
        for path, entities in (("/all", []), ("/penalties", ["penalty"])):
            status, body = _call(
                ports[1], "POST", "/api/v1/webhooks", {"url": receiver.url + path,
                "entities": entities}, key,
            )  # fmt: skip
            assert status == 201, body
            hooks[body["id"]] = path
        with engine.connect() as conn:
            start_seq = conn.scalar(text("SELECT max(seq) FROM change_log"))
            ratings_before = dict(
                conn.execute(
                    text("SELECT enterprise_id, count(*) FROM credit_ratings GROUP BY 1")
                ).all()
            )
            targets = conn.execute(
                text("SELECT id, uscc FROM enterprises ORDER BY id LIMIT :n"), {"n": PENALISED}
            ).all()
        today = dt.date.today()
        posts = [
            [_penalty(uscc, i + j, today) for j, (_, uscc) in enumerate(targets[i : i + PER_POST])]
            for i in range(0, PENALISED, PER_POST)
        ]

        # -- writes through both app processes while one worker is killed mid-batch --------
        answers: list[tuple[str, int, Any]] = []
        lock = threading.Lock()

        def write(n: int) -> None:
            port = ports[n % 2]
            for records in posts[n::4]:
                status, body = _call(
                    port, "POST", "/api/v1/records/penalties", {"records": records}, key
                )
                with lock:
                    answers.append(("penalties", status, body))
            for _ in range(TIPOFFS // 4):
                status, body = _call(port, "POST", "/api/v1/tipoffs", TIPOFF)
                with lock:
                    answers.append(("tipoff", status, body))

        began = time.monotonic()
        writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for thread in writers:
            thread.start()
        killed_in = _mid_batch(engine, "rehearsal-worker-1", 60)
        workers[1].send_signal(signal.SIGKILL)
        workers[1].wait(10)
        killed_at = time.monotonic() - began
        processes.append(_worker(env, "rehearsal-worker-3", logs))
        for thread in writers:
            thread.join(120)
        write_seconds = time.monotonic() - began
        catch_up = _wait_caught_up(ports[0], engine, 90)

        # -- every acknowledged write is stored --------------------------------------------
        assert killed_in is not None, "worker 1 was never seen inside a batch"
        statuses = Counter((kind, status) for kind, status, _ in answers)
        assert statuses[("penalties", 200)] == len(posts), answers
        assert statuses[("tipoff", 201)] == TIPOFF_BUDGET, statuses
        assert statuses[("tipoff", 429)] == TIPOFFS - TIPOFF_BUDGET, statuses
        created = sum(b["created"] for k, s, b in answers if k == "penalties")
        assert created == PENALISED, answers
        codes = {b["tracking_code"] for k, s, b in answers if k == "tipoff" and s == 201}
        with engine.connect() as conn:
            stored_codes = set(conn.scalars(text("SELECT tracking_code FROM tipoffs")))
            stored_penalties = set(
                conn.scalars(
                    text("SELECT decision_no FROM penalties WHERE decision_no LIKE '演练%'")
                )
            )
            ratings_after = dict(
                conn.execute(
                    text("SELECT enterprise_id, count(*) FROM credit_ratings GROUP BY 1")
                ).all()
            )
            current = dict(
                conn.execute(
                    text(
                        "SELECT enterprise_id, count(*) FROM credit_ratings WHERE is_current"
                        " GROUP BY 1"
                    )
                ).all()
            )
            changes = conn.execute(
                text("SELECT seq, entity FROM change_log WHERE seq > :s"), {"s": start_seq}
            ).all()
            deliveries = conn.execute(
                text(
                    "SELECT webhook_id, seq, count(*), min(status), max(status)"
                    " FROM webhook_deliveries GROUP BY webhook_id, seq"
                )
            ).all()
        assert codes <= stored_codes
        assert stored_penalties == {p["decision_no"] for records in posts for p in records}

        # -- the index equals the database -------------------------------------------------
        assert _index_matches(env), "the PostgreSQL search index differs from the database"

        # -- ratings: one new row per penalised enterprise, none elsewhere, none left to do --
        penalised = {eid for eid, _ in targets}
        new_rows = {e: ratings_after.get(e, 0) - ratings_before.get(e, 0) for e in ratings_after}
        assert set(current.values()) == {1} and set(current) == set(ratings_after)
        assert {new_rows[e] for e in penalised} == {1}, new_rows
        assert not {e: n for e, n in new_rows.items() if n and e not in penalised}
        _flask(env, "credit", "rescore")
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM credit_ratings")) == sum(
                ratings_after.values()
            ), "rescoring had left a rating to change"

        # -- webhooks: exactly one delivery per event and hook, every one received ---------
        all_hook = next(h for h, p in hooks.items() if p == "/all")
        penalty_hook = next(h for h, p in hooks.items() if p == "/penalties")
        want = {(all_hook, seq) for seq, _ in changes} | {
            (penalty_hook, seq) for seq, entity in changes if entity == "penalty"
        }
        assert {(h, s) for h, s, *_ in deliveries} == want
        assert all(n == 1 and low == high == "delivered" for _, _, n, low, high in deliveries)
        received = Counter(receiver.got)
        by_path = {(hooks[h], s) for h, s in want}
        assert set(received) == by_path, "a delivery never reached the receiver"
        # at least once: only a send the killed worker made without recording it repeats
        repeated = sum(n - 1 for n in received.values())
        assert repeated <= 10, received.most_common(3)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        receiver.close()
        engine.dispose()

    writes = len(posts) + TIPOFFS
    statement = " ".join((killed_in or "?").split())[:60]
    caught = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(catch_up.items()) if k != "all")
    figures = {
        "setup_s": round(setup, 1),
        "writes": writes,
        "penalties": PENALISED,
        "write_s": round(write_seconds, 2),
        "writes_per_s": round(writes / write_seconds, 1),
        "killed_at_s": round(killed_at, 2),
        "killed_in": statement,
        "catch_up_s": {k: round(v, 1) for k, v in catch_up.items()},
        "change_rows": len(changes),
        "deliveries": len(want),
        "sent_twice": repeated,
    }
    # under xdist the print is not shown: CI keeps the figures as an artifact
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "rehearsal.json").write_text(json.dumps(figures, indent=1))
    with capsys.disabled():
        print(
            f"\nrehearsal: set-up (migrate, {ENTERPRISES} demo enterprises, rate, index, "
            f"start 4 processes, first catch-up) {setup:.1f} s; {writes} HTTP writes "
            f"({PENALISED} penalties in {len(posts)} POSTs, {TIPOFFS} tip-offs) through 2 "
            f"gunicorn processes in {write_seconds:.1f} s ({writes / write_seconds:.1f} "
            f"writes/s, {PENALISED / write_seconds:.1f} penalties/s); worker 1 killed at "
            f"{killed_at:.1f} s inside a transaction running '{statement}…'; caught up "
            f"{catch_up['all']:.1f} s after the last write ({caught}); {len(changes)} "
            f"change-log rows, {len(want)} deliveries ({repeated} sent twice)"
        )
