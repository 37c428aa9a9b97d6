"""bench/load: 32 concurrent clients for 60 s against gunicorn (locust), vs /healthz."""

from __future__ import annotations

import csv
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.report import Figure

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(tmp: str, enterprises: int, database_url: str | None = None) -> dict[str, str]:
    """A migrated instance with demo data, ratings and an index; returns the environment."""
    env = {
        **os.environ,
        "ENVCREDIT_INSTANCE": tmp,
        "TIPOFF_RATE_LIMIT": "1000000 per hour",
        "API_ANON_RATE_LIMIT": "1000000 per minute",
        "BACKGROUND_CONSUMERS": "true",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for args in (
        ["db", "upgrade"],
        ["demo", "load", "--enterprises", str(enterprises)],
        ["credit", "rescore"],
        ["search", "rebuild"],
    ):
        subprocess.run(flask + args, env=env, cwd=ROOT, check=True, capture_output=True)
    return env


def start_server(
    env: dict[str, str] | None,
    port: int,
    target: str = "wsgi:app",
    probe: str = "/healthz",
    settle: bool = False,
) -> subprocess.Popen[bytes]:
    """gunicorn (1 worker, 16 threads) serving ``target``; returns once ``probe`` answers."""
    # the server's log (errors and tracebacks) goes to the instance folder when there is one
    instance = (env or {}).get("ENVCREDIT_INSTANCE")
    log = Path(instance, "gunicorn.log") if instance else Path(os.devnull)
    with log.open("ab") as stderr:  # the server keeps its own copy of the descriptor
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "16",
                target,
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError(f"gunicorn did not start {target}")
    if settle:
        _settled(port)
    return server


def _settled(port: int, timeout: float = 600.0) -> None:
    """Wait until the app's background consumers have applied the whole change log, so a
    measurement sees the steady state rather than the catch-up after a data load."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:
            if not any(json.load(resp).get("consumers", {"?": 1}).values()):
                return
        time.sleep(0.5)
    raise RuntimeError("the background consumers did not catch up")


def _locust(
    env: dict[str, str], port: int, users: str, seconds: int, out: Path, clients: int = 32
) -> dict:
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench/locustfile.py"),
            "--headless",
            "-u",
            str(clients),
            "-r",
            str(clients),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(out),
            "--only-summary",
            users,
        ],
        env=env,
        cwd=ROOT,
        check=False,
        capture_output=True,
    )
    with open(f"{out}_stats.csv", encoding="utf-8") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    with open(f"{out}_failures.csv", encoding="utf-8") as fh:
        failed = [
            f"{r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}"
            for r in csv.DictReader(fh)
        ]
    return rows["Aggregated"] | {"rows": rows, "failed": failed}


def run(scale: float) -> tuple[list[Figure], list[str]]:
    seconds = max(10, int(60 * scale))
    with tempfile.TemporaryDirectory(prefix="envcredit-load-") as tmp:
        env = prepare(tmp, max(200, int(2000 * scale)))
        db = sqlite3.connect(Path(tmp, "envcredit.sqlite3"))
        usccs = [r[0] for r in db.execute("SELECT uscc FROM enterprises LIMIT 500")]
        codes_file = Path(tmp, "codes.txt")
        env |= {"LOAD_USCCS": ",".join(usccs), "LOAD_CODES_FILE": str(codes_file)}
        port = _free_port()
        server = start_server(env, port, settle=True)
        try:
            base = _locust(env, port, "Baseline", max(5, seconds // 4), Path(tmp, "base"))
            load = _locust(env, port, "Citizen", seconds, Path(tmp, "load"))
        finally:
            server.terminate()
            server.wait(10)
        acknowledged = codes_file.read_text().split() if codes_file.exists() else []
        stored = {r[0] for r in db.execute("SELECT tracking_code FROM tipoffs")}
        missing = [c for c in acknowledged if c not in stored]
        db.close()
    rps, base_rps = float(load["Requests/s"]), float(base["Requests/s"])
    failures = int(load["Failure Count"])
    return [
        Figure(
            "load",
            "mixed load throughput",
            rps,
            "req/s",
            "/healthz throughput",
            base_rps,
            rps / base_rps,
            extra={
                "p50_ms": load["50%"],
                "p95_ms": load["95%"],
                "p99_ms": load["99%"],
                "failures": failures,
            },
        ),
        Figure(
            "load",
            "mixed load p95",
            float(load["95%"]),
            "ms",
            "/healthz p95",
            float(base["95%"]),
            float(load["95%"]) / max(float(base["95%"]), 1.0),
        ),
        Figure(
            "load",
            "acknowledged tip-offs missing",
            len(missing),
            "",
            "acknowledged",
            len(acknowledged),
            len(missing) / max(len(acknowledged), 1),
            "0",
            not missing and failures == 0,
        ),
    ], [
        f"32 users for {seconds} s; {int(load['Request Count'])} requests, {failures} "
        f"failures (non-2xx{': ' + '; '.join(load['failed']) if load['failed'] else ''}), "
        f"{len(acknowledged)} tip-offs acknowledged, {len(missing)} missing"
    ]
