"""bench/workers: RSS, PSS and USS of an idle 4-worker gunicorn server (deploy/gunicorn.conf.py).

``python -m bench.workers``: a fresh SQLite database, ``gunicorn -c deploy/gunicorn.conf.py -w 4``
on a loopback port, a few pages fetched, then each worker's memory (psutil) printed as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import psutil

PAGES = ("/healthz", "/", "/search?q=兰州", "/enterprises")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/w.db", ENVCREDIT_INSTANCE=tmp)
        env.setdefault("SECRET_KEY", "bench-workers")
        flask = os.path.join(os.path.dirname(sys.executable), "flask")
        subprocess.run(
            [flask, "--app", "wsgi", "db", "upgrade"], env=env, check=True, capture_output=True
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        server = subprocess.Popen(
            [
                gunicorn,
                "-c",
                "deploy/gunicorn.conf.py",
                "-w",
                "4",
                "-b",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            for _ in range(4):
                for page in PAGES:
                    with contextlib.suppress(OSError):
                        urllib.request.urlopen(
                            f"http://127.0.0.1:{port}{urllib.parse.quote(page, safe='/?=')}",
                            timeout=10,
                        )
            time.sleep(2)
            workers = psutil.Process(server.pid).children()
            rows = []
            for w in workers:
                m = w.memory_full_info()
                rows.append(
                    {
                        "pid": w.pid,
                        "rss_mib": round(m.rss / 2**20, 1),
                        "pss_mib": round(m.pss / 2**20, 1),
                        "uss_mib": round(m.uss / 2**20, 1),
                    }
                )
            for row in rows:
                print(json.dumps(row))
            total = {
                k: round(sum(r[k] for r in rows), 1) for k in ("rss_mib", "pss_mib", "uss_mib")
            }
            print(
                json.dumps({"workers": len(rows), "total": total, "load_average": os.getloadavg()})
            )
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
