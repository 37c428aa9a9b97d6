"""bench/pg_restart: restart PostgreSQL while clients file tip-offs against gunicorn; the app
must recover without intervention and lose nothing it acknowledged."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.request

from bench.faults import _file_tipoffs
from bench.load import _free_port, prepare, start_server
from bench.report import Figure

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _psql(sql: str, db: str = "test") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )


def _healthy(port: int, within: float) -> float | None:
    """Seconds until /readyz (the database reachable) says 200 again, or None."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    return None


def run(scale: float) -> tuple[list[Figure], list[str]]:
    name = f"envcredit_bench_pg_{os.getpid()}"
    _psql(f'CREATE DATABASE "{name}"')
    try:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="envcredit-pg-") as tmp:
            env = prepare(tmp, 200, database_url=f"{PG}/{name}")
            port = _free_port()
            server = start_server(env, port)
            acknowledged: list[str] = []
            stop = threading.Event()
            clients = [
                threading.Thread(target=_file_tipoffs, args=(port, stop, acknowledged))
                for _ in range(4)
            ]
            for client in clients:
                client.start()
            time.sleep(2)
            _restart_postgres()
            recovered = _healthy(port, 30)
            time.sleep(2)
            stop.set()
            for client in clients:
                client.join()
            server.terminate()
            server.wait(10)
        stored = set(_psql("SELECT tracking_code FROM tipoffs", name).split())
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    missing = [c for c in acknowledged if c not in stored]
    ok = recovered is not None and not missing
    return [
        Figure(
            "pg_restart",
            "acknowledged writes lost across a PostgreSQL restart",
            len(missing),
            "",
            "acknowledged",
            len(acknowledged),
            len(missing) / max(len(acknowledged), 1),
            "0, recovers by itself",
            ok,
            {"recovered_after_s": recovered},
        )
    ], [
        f"PostgreSQL restarted under 4 filing clients; /readyz 200 again after "
        f"{recovered if recovered is None else round(recovered, 1)} s; {len(acknowledged)} "
        f"acknowledged, {len(missing)} missing"
    ]
