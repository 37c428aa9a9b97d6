"""gunicorn settings shared by `make serve`, the benches and production servers.

Logs: gunicorn's own lines and the app's go to stderr in the app's format (``LOG_FORMAT``:
one JSON object per line by default, or ``text``), through the app's redacting filter.
gunicorn's access log is off: the app writes one line per request itself, with its request
id, endpoint, path (never the query string: a search for somebody's name, or a client that
puts a reporter's details in a URL, must not end up in a log file), status and duration.

Metrics: the workers are separate processes, so prometheus_client runs in multiprocess mode:
``PROMETHEUS_MULTIPROC_DIR`` (default: a new private temporary folder per server, removed when
it stops) holds each
worker's counters, emptied when the server starts; a scrape of ``/metrics`` on any worker sums
them, and a worker that exits is marked dead (``child_exit``).
"""

import glob
import os
import shutil
import tempfile

# longer request lines reach the app, which answers 414 as problem+json past MAX_QUERY_BYTES
limit_request_line = 8190
accesslog = None
# were the access log on (logconfig_dict turns gunicorn's on): no query string, no referrer
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# before any worker imports prometheus_client (it reads the variable when first imported)
_OWN_METRICS_DIR = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _OWN_METRICS_DIR = tempfile.mkdtemp(prefix="envcredit-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _OWN_METRICS_DIR

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        # off: the app's "request" line replaces it (above)
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
    "filters": {
        "redact": {"()": "core.logs.Redact"},
        "request": {"()": "core.logs.RequestContext"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "envcredit",
            "filters": ["redact", "request"],
            "stream": "ext://sys.stderr",
        }
    },
    "formatters": {"envcredit": {"()": "core.logs.env_formatter"}},
}


def on_starting(server):  # gunicorn server hook: in the master, before any worker
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, mode=0o700, exist_ok=True)
    for stale in glob.glob(os.path.join(folder, "*.db")):  # counters of a previous run
        os.remove(stale)


def on_exit(server):  # gunicorn server hook: the master is stopping
    if _OWN_METRICS_DIR:  # a folder it made for itself goes with it
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)


def post_worker_init(worker):  # gunicorn server hook: the app is loaded, no request yet
    from core.heap import settle

    settle()  # keep start-up's objects out of full collections (see core/heap.py)


def child_exit(server, worker):  # gunicorn server hook: in the master, a worker has exited
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
