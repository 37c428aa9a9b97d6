"""The HJ 212 receiver's Prometheus counters: connections and packets, accepted or refused.

The receiver is a process of its own (``flask monitoring serve``), not a web worker, so it
serves its own metrics: ``--metrics-port P`` answers ``GET /metrics`` on 127.0.0.1:P only
(Prometheus scrapes it as a second target next to the web app's ``/metrics``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric

OUTCOMES = ("accepted", "refused")


class _Open:
    """Connections open now, read at scrape time."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "envcredit_hj212_connections_open", "HJ 212 connections open now", value=self.count()
        )


class ReceiverMetrics:
    """One receiver's counters, in a registry of their own."""

    def __init__(self, open_connections: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.connections = Counter(
            "envcredit_hj212_connections",
            "HJ 212 connections accepted, or refused at the connection cap",
            ["outcome"],
            registry=self.registry,
        )
        self.packets = Counter(
            "envcredit_hj212_packets",
            "HJ 212 packets accepted (stored) or refused (malformed, unknown device, "
            "wrong password, refused by the database)",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in OUTCOMES:  # both series exist from the start, at 0
            self.connections.labels(outcome)
            self.packets.labels(outcome)
        self.registry.register(_Open(open_connections))
        self._http: Any = None

    def serve(self, port: int) -> tuple[str, int]:
        """Answer ``/metrics`` on 127.0.0.1:``port`` (0 = any free port) in a thread."""
        self._http, _thread = start_http_server(port, addr="127.0.0.1", registry=self.registry)
        host, bound = self._http.server_address[:2]
        return str(host), int(bound)

    def close(self) -> None:
        """Stop answering /metrics (when it was served)."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
