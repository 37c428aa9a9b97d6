"""security F11 end to end: a real gunicorn with deploy/gunicorn.conf.py, requests carrying
reporter details in their query strings, and the captured logs must not hold any of them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
NAME, PHONE, EMAIL, SECRET = "Canarylog", "13900007339", "pii-log@example.org", "CANA-RYSE-CRET"
CN_NAME = "金丝雀"
PLANTED = (NAME, PHONE, EMAIL, quote(EMAIL), SECRET, CN_NAME, quote(CN_NAME))
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(sqlite_template, tmp_path, monkeypatch):
    """gunicorn serving wsgi:app on loopback; yields (base URL, path of the captured log)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    database = tmp_path / "served.sqlite3"
    shutil.copy(sqlite_template, database)
    port, log = _free_port(), tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "log-test",
        "ENVCREDIT_INSTANCE": str(tmp_path / "instance"),
        "BACKGROUND_CONSUMERS": "false",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c",
        "deploy/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "2",
        "wsgi:app",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.25)
        else:
            pytest.fail("gunicorn did not start: " + log.read_text(errors="replace")[-2000:])
        yield base, log
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_pii_in_query_strings_never_reaches_the_logs(gunicorn):
    base, log = gunicorn
    pii = {"first_name": NAME, "last_name": CN_NAME, "phone": PHONE, "email": EMAIL}
    body = {
        "service_code": "air",
        "description": "工厂夜间排放刺鼻气体，持续数小时。",
        "address_string": "兰州市城关区",
    }
    refused = requests.post(f"{base}/open311/v2/requests.json", params=pii, data=body, timeout=10)
    assert refused.status_code == 400
    filed = requests.post(f"{base}/open311/v2/requests.json", data={**body, **pii}, timeout=10)
    assert filed.status_code == 201
    code = filed.json()[0]["service_request_id"]
    for path, params in [
        ("/open311/v2/requests.json", {"email": EMAIL, "phone": PHONE}),
        (f"/open311/v2/requests/{code}.xml", {"api_key": SECRET}),
        ("/", {"q": NAME}),
        ("/api/v1/search", {"q": CN_NAME}),
        ("/tipoffs/track", {"code": code, "secret": SECRET}),
    ]:
        assert requests.get(base + path, params=params, timeout=10).status_code < 500
    time.sleep(0.5)  # let gunicorn flush the log
    text = log.read_text(errors="replace")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # all JSON
    served = {(r.get("method"), r.get("path")) for r in lines if r["event"] == "request"}
    assert {("POST", "/open311/v2/requests.json"), ("GET", "/api/v1/search")} <= served
    assert not [p for p in PLANTED if p in text]


def test_metrics_of_every_worker_are_summed(gunicorn):
    """Multiprocess mode: the counters a scrape shows are those of the server, whichever
    worker answers it."""
    base, _log = gunicorn
    for _ in range(5):
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    text = requests.get(f"{base}/metrics", timeout=5).text
    (line,) = [
        line
        for line in text.splitlines()
        if line.startswith("envcredit_http_requests_total{")
        and 'endpoint="core.healthz"' in line
        and 'status="200"' in line
    ]
    assert float(line.rsplit(" ", 1)[1]) >= 5
    assert "envcredit_cases_open" in text
