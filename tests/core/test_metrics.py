"""/metrics: who may read it, what it holds; /healthz answers without the database."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from core.changelog import record_change
from tests.factories import create_enterprise, ensure_reference

TOKEN = "metrics-token-Q7x9LmPz"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}
FAMILIES = {
    "envcredit_http_requests",
    "envcredit_http_request_duration_seconds",
    "envcredit_changelog_head_seq",
    "envcredit_consumer_lag",
    "envcredit_cases_open",
    "envcredit_cases_overdue",
    "envcredit_webhook_queue_depth",
    "envcredit_mail_queue_depth",
}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "METRICS_TOKEN": TOKEN}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_loopback_client_reads_every_metric_family(client, session):
    enterprise = create_enterprise(session)
    record_change(session, "enterprise", enterprise.uscc, enterprise_id=enterprise.id)
    session.commit()
    assert client.get(f"/enterprises/{enterprise.uscc}").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    text = response.get_data(as_text=True)
    names = {family.name for family in text_string_to_metric_families(text)}
    assert names >= FAMILIES
    values = samples(text)
    assert values[("envcredit_changelog_head_seq", ())] == 1
    assert values[("envcredit_consumer_lag", (("consumer", "search"),))] == 1
    assert values[("envcredit_cases_open", (("case_class", "critical"),))] == 0
    counted = [
        (labels, v)
        for (name, labels), v in values.items()
        if name == "envcredit_http_requests_total"
    ]
    # the endpoint is the Flask rule's name, never the path with its USCC
    assert any(dict(labels)["endpoint"] == "credit_pages.enterprise" for labels, _ in counted)
    assert enterprise.uscc not in text


def test_gauges_follow_the_state(client, session):
    from credit.notify.models import MailOutbox
    from credit.supervision.models import SupervisionCase

    past = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ensure_reference(session)
    session.add(
        SupervisionCase(
            code="XS-TEST1-METRC",
            origin="regulator",
            region_code="620100",
            case_class="major",
            status="found",
            description="河道旁堆放的危险废物无人看管",
            dispatch_due_at=past,
        )
    )
    session.add(
        MailOutbox(
            kind="confirmation",
            to_address="a@example.org",
            subject="s",
            text_body="t",
            html_body="h",
        )
    )
    session.commit()
    values = samples(client.get("/metrics").get_data(as_text=True))
    assert values[("envcredit_cases_open", (("case_class", "major"),))] == 1
    assert values[("envcredit_cases_overdue", ())] == 1
    assert values[("envcredit_mail_queue_depth", ())] == 1
    assert values[("envcredit_webhook_queue_depth", ())] == 0


def test_request_counts_and_latency_per_endpoint(client):
    def count() -> float:
        values = samples(client.get("/metrics").get_data(as_text=True))
        key = (
            "envcredit_http_requests_total",
            (("endpoint", "core.healthz"), ("method", "GET"), ("status", "200")),
        )
        return values.get(key, 0.0)

    before = count()
    for _ in range(3):
        client.get("/healthz")
    assert count() == before + 3
    text = client.get("/metrics").get_data(as_text=True)
    assert 'envcredit_http_request_duration_seconds_bucket{endpoint="core.healthz"' in text
    assert 'endpoint="unmatched"' not in text or "/no/such" not in text
    client.get("/no/such/page/91620100MA0000000X")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'endpoint="unmatched",method="GET",status="404"' in text
    assert "91620100MA0000000X" not in text


def test_other_addresses_need_the_token(client):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    wrong = client.get(
        "/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer not-the-token"}
    )
    assert wrong.status_code == 404
    assert TOKEN not in wrong.get_data(as_text=True)
    basic = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": TOKEN})
    assert basic.status_code == 404
    good = client.get(
        "/metrics", environ_base=OUTSIDE, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert good.status_code == 200 and "envcredit_cases_open" in good.get_data(as_text=True)


def test_a_request_relayed_by_a_proxy_is_not_a_loopback_client(client):
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        assert client.get("/metrics", headers={header: "203.0.113.9"}).status_code == 404
    # IPv6 loopback is loopback too
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_without_a_token_configured_only_loopback(app_config):
    from wsgi import create_app

    app = create_app({**app_config, "METRICS_TOKEN": None})
    try:
        client = app.test_client()
        refused = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer "})
        assert refused.status_code == 404
        assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
        assert client.get("/metrics").status_code == 200
    finally:
        app.extensions["envcredit.db"].dispose()


def test_healthz_answers_without_a_database_round_trip(app, client):
    client.get("/healthz")  # the first request may set up what it sets up once
    statements: list[str] = []
    engine = app.extensions["envcredit.db"].engine

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = client.get("/healthz")
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}
        assert statements == []
        assert client.get("/readyz").get_json()["database"] == "ok"
        assert statements  # the listener does see the readiness check's queries
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_the_receivers_counters_on_their_own_loopback_port(app, session):
    from credit.monitoring.receiver import Limits
    from tests.monitoring.test_receiver import Running, answers, hourly, register, wait_for

    register(session, app, "MNMETRICS1")
    server = Running(app, Limits(max_connections=1, idle_timeout=5.0, packet_timeout=0.5))
    try:
        host, port = server.receiver.metrics.serve(0)
        assert host == "127.0.0.1"
        with server.connect() as device:
            device.sendall(hourly("MNMETRICS1"))
            assert len(answers(device, 1)) == 1
            device.sendall(hourly("MNMETRICS1", pw="wrong!", hour=9))
            wait_for(lambda: server.receiver.connections == 1)
            with server.connect() as extra:  # over the cap of 1
                extra.settimeout(2)
                assert extra.recv(1) == b""

            def scraped() -> dict:
                with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as r:
                    return samples(r.read().decode())

            wait_for(
                lambda: (
                    scraped().get(("envcredit_hj212_packets_total", (("outcome", "refused"),))) == 1
                )
            )
            values = scraped()
        assert values[("envcredit_hj212_packets_total", (("outcome", "accepted"),))] == 1
        assert values[("envcredit_hj212_connections_total", (("outcome", "accepted"),))] == 1
        assert values[("envcredit_hj212_connections_total", (("outcome", "refused"),))] == 1
        assert values[("envcredit_hj212_connections_open", ())] == 1
    finally:
        server.close()


def test_flask_monitoring_serve_metrics_port(app, app_config, session):
    import os
    import signal
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from tests.monitoring.test_receiver import answers, hourly, register, wait_for

    register(session, app, "MNMETRICS2")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        metrics_port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": str(app_config["DATABASE_URL"]),
        "ENVCREDIT_INSTANCE": str(app_config["ENVCREDIT_INSTANCE"]),
        "BACKGROUND_CONSUMERS": "false",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask), "--app", "wsgi", "monitoring", "serve", "--port", "0"]
    command += ["--metrics-port", str(metrics_port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        port = int(line.split(" / ")[0].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(hourly("MNMETRICS2"))
            assert len(answers(sock, 1)) == 1
        url = f"http://127.0.0.1:{metrics_port}/metrics"

        def accepted() -> float:
            with urllib.request.urlopen(url, timeout=5) as response:
                values = samples(response.read().decode())
            return values[("envcredit_hj212_packets_total", (("outcome", "accepted"),))]

        wait_for(lambda: accepted() == 1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
