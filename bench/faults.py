"""bench/faults: kill -9 the app repeatedly during writes, restart, and check that nothing
acknowledged is lost, the audit chain verifies and the index equals the database."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from bench.load import BIN, ROOT, _free_port, prepare, start_server
from bench.report import Figure

BODY = json.dumps(
    {
        "category": "water",
        "description": "河道有大量白色泡沫，散发恶臭。",
        "location": "北岸排口",
        "anonymous": True,
        "region_code": "620100",
    }
).encode()


def _file_tipoffs(port: int, stop: threading.Event, acknowledged: list[str]) -> None:
    while not stop.is_set():
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/tipoffs",
            data=BODY,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 201:
                    acknowledged.append(json.loads(response.read())["tracking_code"])
        except OSError:
            time.sleep(0.05)  # the server is down: keep trying, as a real client would


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _index_matches(env: dict[str, str]) -> bool:
    check = (
        "from wsgi import app\n"
        "from search.documents import enterprise_docs, penalty_docs\n"
        "with app.app_context():\n"
        "    from core.db import get_session\n"
        "    s = get_session(); b = app.extensions['envcredit.search']\n"
        "    want = {d['id'] for c in enterprise_docs(s) for d in c}\n"
        "    want |= {d['id'] for c, _ in penalty_docs(s) for d in c}\n"
        "    print('MATCH' if want == b.ids() else 'DIFF')\n"
    )
    out = subprocess.run(
        [str(BIN / "python"), "-c", check],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return "MATCH" in out.stdout


def run(scale: float) -> tuple[list[Figure], list[str]]:
    kills = max(3, int(10 * scale))
    with __import__("tempfile").TemporaryDirectory(prefix="envcredit-faults-") as tmp:
        env = prepare(tmp, 300)
        port = _free_port()
        acknowledged: list[str] = []
        stop = threading.Event()
        clients = [
            threading.Thread(target=_file_tipoffs, args=(port, stop, acknowledged))
            for _ in range(4)
        ]
        server = start_server(env, port)
        for client in clients:
            client.start()
        for _ in range(kills):
            time.sleep(1.5)
            server.send_signal(signal.SIGKILL)
            server.wait()
            server = start_server(env, port)
        time.sleep(1.0)
        stop.set()
        for client in clients:
            client.join()
        server.terminate()
        server.wait(10)
        _flask(env, "search", "catch-up")
        import sqlite3

        db = sqlite3.connect(Path(tmp, "envcredit.sqlite3"))
        stored = {r[0] for r in db.execute("SELECT tracking_code FROM tipoffs")}
        db.close()
        missing = [c for c in acknowledged if c not in stored]
        audit_ok = _flask(env, "audit", "verify").returncode == 0
        index_ok = _index_matches(env)
    ok = not missing and audit_ok and index_ok
    return [
        Figure(
            "faults",
            "acknowledged writes lost after kill -9",
            len(missing),
            "",
            "acknowledged",
            len(acknowledged),
            len(missing) / max(len(acknowledged), 1),
            "0, audit verifies, index = database",
            ok,
            {"kills": kills, "audit_ok": audit_ok, "index_ok": index_ok},
        )
    ], [
        f"{kills} × kill -9 of gunicorn during tip-off filing by 4 clients; "
        f"{len(acknowledged)} acknowledged, {len(missing)} missing; audit chain "
        f"{'verifies' if audit_ok else 'BROKEN'}; index {'equals' if index_ok else 'differs from'}"
        " the database"
    ]
