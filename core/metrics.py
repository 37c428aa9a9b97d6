"""Prometheus metrics (prometheus_client) at ``/metrics``: request counts and latencies per
endpoint, and gauges of the platform's state read from the database at scrape time.

Who may read it: a client on the loopback interface that came straight to the app (a
request relayed by a proxy, one carrying ``X-Forwarded-For``, ``X-Real-IP`` or
``Forwarded``, is not a local client), or anyone presenting ``Authorization: Bearer
<METRICS_TOKEN>`` (compared in constant time). Anyone else gets the site's ordinary 404.

Request metrics are labelled with the endpoint's name (the Flask rule's endpoint, never the
raw path with its USCCs and tracking codes), the method and the status. Under gunicorn
(several worker processes) ``PROMETHEUS_MULTIPROC_DIR`` names a folder the workers write their
counters to and each scrape sums them (``deploy/gunicorn.conf.py`` sets it up); without it
the counters are the process's own.

Feature packages add gauges with :func:`register_gauge` (core imports no feature package):
a probe ``(session) -> number | {label value(s): number}`` run at each scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from werkzeug.exceptions import NotFound

from core.db import get_session

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)
EXTENSION = "envcredit.gauges"
#: methods counted by name; any other is "other" (no label per invented method)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")

#: the request metrics of this process (summed over processes in multiprocess mode)
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "envcredit_http_requests",
    "HTTP requests answered, by endpoint (Flask rule), method and status",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "envcredit_http_request_duration_seconds",
    "Time from the request reaching the app to its answer, by endpoint and method",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)


@dataclass(frozen=True)
class Gauge:
    """A gauge read at scrape time."""

    name: str
    documentation: str
    probe: Callable[[Any], Any]
    labels: tuple[str, ...] = ()


def register_gauge(
    app: Flask,
    name: str,
    documentation: str,
    probe: Callable[[Any], Any],
    labels: Sequence[str] = (),
) -> None:
    """Add a gauge to ``/metrics``: ``probe(session)`` gives a number, or (with ``labels``)
    a mapping of label value (a tuple for several labels) to number."""
    app.extensions.setdefault(EXTENSION, []).append(
        Gauge(name, documentation, probe, tuple(labels))
    )


def _family(gauge: Gauge, value: Any) -> GaugeMetricFamily:
    if not gauge.labels:
        return GaugeMetricFamily(gauge.name, gauge.documentation, value=float(value))
    family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
    for key, number in sorted(value.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [str(key)], float(number))
    return family


class StateCollector:
    """The registered gauges, read with the request's session when Prometheus scrapes."""

    def __init__(self, gauges: Sequence[Gauge], session: Any) -> None:
        self.gauges = gauges
        self.session = session

    def collect(self) -> Iterator[Metric]:
        for gauge in self.gauges:
            try:
                value = gauge.probe(self.session)
            except Exception:  # one failing probe must not hide the others
                log.exception("metrics: gauge %s failed", gauge.name)
                self.session.rollback()
                continue
            yield _family(gauge, value)


class _Own:
    """This process's request metrics, as a collector of a per-scrape registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def multiprocess() -> bool:
    """True when worker processes share their counters through PROMETHEUS_MULTIPROC_DIR
    (prometheus_client chose when first imported; a variable set later changes nothing)."""
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue and bool(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    )


def exposition(app: Flask) -> bytes:
    """The metrics in Prometheus' text format."""
    registry = CollectorRegistry()
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.MultiProcessCollector(registry)
    else:
        registry.register(_Own())
    registry.register(StateCollector(app.extensions.get(EXTENSION, []), get_session()))
    return generate_latest(registry)


def _loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def may_read() -> bool:
    """The token's holder, or a loopback client no proxy relayed."""
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    given = request.headers.get("Authorization", "")
    if given:
        scheme, _, value = given.partition(" ")
        return (
            bool(token)
            and scheme.lower() == "bearer"
            and hmac.compare_digest(value.strip().encode(), token.encode())
        )
    relayed = any(request.headers.get(name) for name in _PROXY_HEADERS)
    return _loopback(request.remote_addr) and not relayed


@bp.get("/metrics")
def metrics() -> Any:
    """Prometheus metrics (loopback clients, or ``Authorization: Bearer <METRICS_TOKEN>``)."""
    if not may_read():
        raise NotFound()
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    response = Response(exposition(app), mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def init_metrics(app: Flask) -> None:
    """Count and time every request; serve ``/metrics``."""

    @app.before_request
    def _start() -> None:
        g.setdefault("request_started", time.perf_counter())

    @app.after_request
    def _count(response: Any) -> Any:
        started = g.get("request_started")
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(endpoint, method).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
