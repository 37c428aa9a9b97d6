"""`flask demo load`: deterministic demo data for a fresh database."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.cli import ProgressBar, transaction
from credit.demo.load import has_enterprises, load_demo

demo_cli = AppGroup("demo", help="演示数据 / Demo data.")


@demo_cli.command("load")
@click.option(
    "--enterprises",
    "count",
    type=click.IntRange(1, 2_000_000),
    default=2000,
    show_default=True,
    help="how many enterprises to generate",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**31 - 1),
    default=1,
    show_default=True,
    help="same seed and size → same data",
)
@click.option("--if-empty", is_flag=True, help="do nothing (exit 0) if enterprises exist")
def load_cmd(count: int, seed: int, if_empty: bool) -> None:
    """Generate realistic enterprises, permits, inspections, penalties, reports, emissions."""
    with transaction() as session:
        if has_enterprises(session):
            if if_empty:
                click.echo("数据库已有企业，跳过演示数据 / database not empty; demo data skipped")
                return
            raise click.ClickException(
                "数据库中已有企业，演示数据只能载入空数据库 / the database "
                "already has enterprises; demo data loads only into an "
                "empty database (use --if-empty to skip quietly)"
            )
        with ProgressBar(count, "demo load") as bar:
            result = load_demo(session, count, seed, advance=bar.advance)
    summary = ", ".join(f"{table} {n}" for table, n in result.counts.items())
    click.echo(
        f"已载入演示数据 / demo data loaded (seed {seed}): {summary}; "
        f"change log {result.change_rows}"
    )
