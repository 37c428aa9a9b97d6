"""`flask monitoring …`: the HJ 212 receiver and its companions — partitions ahead, retention."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from core.cli import transaction
from core.clock import today
from core.db import utcnow
from core.messages import msg
from credit.monitoring.hotspot_cases import rank_hotspots
from credit.monitoring.partitions import ensure_partitions, months_ahead
from credit.monitoring.retention import prune

monitoring_cli = AppGroup("monitoring", help="在线监控 / the monitoring network.")


@monitoring_cli.command("partitions")
@click.option("--months", type=click.IntRange(0, 36), default=3, show_default=True)
def partitions_cmd(months: int) -> None:
    """Create the readings' monthly partitions for this month and the next ones (PostgreSQL)."""
    with transaction() as session:
        created = ensure_partitions(session, months_ahead(today(), months))
    click.echo(f"已建分区 {len(created)} 个 / {len(created)} partitions created")


@monitoring_cli.command("prune")
def prune_cmd() -> None:
    """Delete readings older than MONITORING_RAW_RETENTION_DAYS / MONITORING_RETENTION_DAYS."""
    config = current_app.config
    with transaction() as session:
        counts = prune(
            session,
            utcnow(),
            int(config["MONITORING_RAW_RETENTION_DAYS"]),
            int(config["MONITORING_RETENTION_DAYS"]),
        )
    for name, count in counts.items():
        click.echo(f"{name}\t{count}")


@monitoring_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=6212, show_default=True)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="在 127.0.0.1:PORT/metrics 提供接收服务的监控指标 / serve the receiver's Prometheus "
    "metrics at 127.0.0.1:PORT/metrics (unset: none)",
)
def serve_cmd(host: str, port: int, metrics_port: int | None) -> None:
    """Run the HJ 212-2017 receiver (TCP) until interrupted."""
    from credit.monitoring.receiver import serve

    def ready(bound_host: str, bound_port: int) -> None:
        click.echo(msg("HJ 212 接收服务正在监听 %(address)s", address=f"{bound_host}:{bound_port}"))

    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
    serve(app, host, port, ready, metrics_port)


@monitoring_cli.command("hotspots")
@click.option("--city", required=True, help="城市的行政区划代码 / the city's code, e.g. 620100")
@click.option("--month", default="", help="YYYY-MM (China's calendar)")
@click.option("--day", default="", help="YYYY-MM-DD: rank one day (inside --month if given)")
def hotspots_cmd(city: str, month: str, day: str) -> None:
    """Rank the city's grid cells by mean PM2.5 (热点网格), store the ranking and open cases
    for the top hotspots."""
    with transaction() as session:
        run = rank_hotspots(session, city, month, day)
    ranking = run.ranking
    threshold = ranking.threshold
    click.echo(
        f"{ranking.city.code} {ranking.period.label}: {len(ranking.cells)} cells, "
        f"city mean {_number(ranking.city_means.get(ranking.method.ranked_by))}, "
        f"threshold {_number(threshold)}"
    )
    for cell in ranking.cells:
        mark = "HOTSPOT" if cell.hotspot else ""
        click.echo(
            f"{cell.rank}\t{cell.code}\t{_number(cell.means[ranking.method.ranked_by])}\t{mark}"
        )
    click.echo(f"已立问题线索 {len(run.cases)} 条 / {len(run.cases)} cases opened")
    for case in run.cases:
        click.echo(f"case\t{case.code}")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
