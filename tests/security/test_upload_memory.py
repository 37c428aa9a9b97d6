"""A real worker's memory under concurrent decompression-bomb uploads (security F1, row 34).

A gunicorn server (1 worker, 8 threads, the production settings) runs in a subprocess on
127.0.0.1; eight tip-off filings arrive at once, each with five small PNGs of many pixels:
7000×7000 (49 Mpx, over the cap: refused from the header) and 6000×6000 (36 Mpx, under it:
really decoded, several at a time). The worker's peak resident memory (VmHWM) must stay
under 400 MB; before the fix one such request in flight cost about 0.85 GB.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import zlib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PEAK_LIMIT_KB = 400 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


@cache
def black_png(width: int, height: int) -> bytes:
    """An all-black RGB PNG, compressed row by row (never held as pixels here)."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)  # filter byte + RGB
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts += [
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="{name}"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        + data
        + b"\r\n"
        for name, data in files
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def _file_tipoff(port: int, files: list[tuple[str, bytes]], results: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", "/tipoffs/new")
        with conn.getresponse() as form:
            cookie = form.getheader("Set-Cookie", "").split(";")[0]
            page = form.read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body, boundary = _multipart(
            {
                "csrf_token": token,
                "category": "air",
                "location": "西固区",
                "description": "化工厂夜间排放刺鼻黑烟，持续两小时以上。",
                "region_code": "620100",
                "identity": "anonymous",
            },
            files,
        )
        started = time.monotonic()
        conn.request(
            "POST",
            "/tipoffs/new",
            body=body,
            headers={"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with conn.getresponse() as answer:
            results.append((answer.status, answer.read().decode(), time.monotonic() - started))
    finally:
        conn.close()


def _worker_status(master: int) -> str:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return Path(f"/proc/{children[0]}/status").read_text()


def _kb(status: str, field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        with conn.getresponse() as response:
            return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path, sqlite_template):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    database = instance / "envcredit.sqlite3"
    shutil.copy(sqlite_template, database)
    port = _free_port()
    env = {
        "PATH": str(BIN),
        "HOME": str(tmp_path),
        "ENVCREDIT_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{database}",
        "BACKGROUND_CONSUMERS": "false",
        "TIPOFF_RATE_LIMIT": "1000 per hour",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(150):
            if _answers(port):
                break
            time.sleep(0.2)
        else:
            raise AssertionError((tmp_path / "gunicorn.log").read_text()[-3000:])
        yield port, process.pid, tmp_path / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_eight_concurrent_bomb_uploads_keep_the_worker_under_400_mb(server):
    port, master, log = server
    over, under = black_png(7000, 7000), black_png(6000, 6000)
    assert len(over) < 200_000 and len(under) < 200_000  # small files, many pixels
    requests = [[(f"over{i}.png", over) for i in range(5)]] * 5
    requests += [[(f"under{i}.png", under) for i in range(5)]] * 3
    results: list = []
    baseline = _kb(_worker_status(master), "VmRSS")
    threads = [
        threading.Thread(target=_file_tipoff, args=(port, files, results)) for files in requests
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    status = _worker_status(master)
    peak = _kb(status, "VmHWM")
    print(
        f"worker RSS before {baseline // 1024} MB, peak {peak // 1024} MB; answers "
        + ", ".join(f"{code} in {seconds:.1f} s" for code, _, seconds in results)
    )
    assert sorted(code for code, _, _ in results) == [303] * 3 + [422] * 5, log.read_text()
    refused = [text for code, text, _ in results if code == 422]
    assert all("图片尺寸过大" in text and "4000 万像素" in text for text in refused)
    assert peak < PEAK_LIMIT_KB, f"worker peak {peak // 1024} MB"
    assert "Traceback" not in log.read_text()
