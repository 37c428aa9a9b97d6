"""Anonymous bulk downloads: stream each request vs serve a cached snapshot file.

``.venv/bin/python -m bench.exports_open [ENTERPRISES]`` (default 2,000, demo seed 1) prints
per export: bytes, streaming time and RSS growth, the time to write a snapshot file and the
time to serve that file. The figures chose the design in docs/notes/api.md.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.common import demo_app

EXPORTS = [
    (name, fmt) for name in ("enterprises", "ratings", "penalties") for fmt in ("csv", "ndjson")
]


def _rss() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def _stream(client, path: str) -> tuple[int, float, float]:
    before, started = _rss(), time.perf_counter()
    size = 0
    with client.get(path) as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.response:
            size += len(chunk)
    return size, time.perf_counter() - started, _rss() - before


def _file(client, path: str, folder: Path) -> tuple[float, float]:
    """(seconds to write the snapshot file, seconds to serve it once)."""
    from flask import send_file

    started = time.perf_counter()
    target = folder / path.rsplit("/", 1)[1]
    with client.get(path) as response, target.open("wb") as out:
        for chunk in response.response:
            out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
    written = time.perf_counter() - started
    app = client.application
    with app.test_request_context():
        started = time.perf_counter()
        served = send_file(target, mimetype="text/csv", conditional=True)
        served.direct_passthrough = False
        served.get_data()
        served.close()
    return written, time.perf_counter() - started


def main() -> None:
    """Run the comparison and print a table."""
    enterprises = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    os.environ.setdefault("API_ANON_RATE_LIMIT", "1000000 per minute")
    with demo_app(enterprises) as app, tempfile.TemporaryDirectory() as tmp:
        from core.clock import today
        from core.db import get_session
        from credit.ratings.loader import active_rulebook
        from credit.ratings.rescoring import rescore

        session = get_session()
        rescore(session, None, today(), active_rulebook())
        session.commit()
        app.config.update(
            API_ANON_RATE_LIMIT="1000000 per minute", EXPORT_ANON_RATE_LIMIT="1000000 per minute"
        )
        client = app.test_client()
        print("| export | bytes | stream s | stream ΔRSS MiB | write file s | serve file s |")
        print("|---|---|---|---|---|---|")
        for name, fmt in EXPORTS:
            path = f"/api/v1/exports/{name}.{fmt}"
            _stream(client, path)  # warm caches
            size, seconds, grown = _stream(client, path)
            written, served = _file(client, path, Path(tmp))
            print(
                f"| {name}.{fmt} | {size:,} | {seconds:.3f} | {grown:+.1f} | {written:.3f} "
                f"| {served:.4f} |",
                flush=True,
            )
        print(f"peak RSS of the process: {_rss():.0f} MiB")


if __name__ == "__main__":
    main()
