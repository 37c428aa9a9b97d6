"""`flask releases publish`: a dated, immutable open-data release under instance/releases/."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from core.audit import audit
from core.cli import ProgressBar, cli_actor, transaction
from core.errors import DomainError, describe
from credit.records.exports import RESOURCES
from credit.releases.publishing import publish_release

releases_cli = AppGroup("releases", help="开放数据发布 / open-data releases.")


@releases_cli.command("publish")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="release date YYYY-MM-DD (default: today in China)",
)
@click.option("--note", default="", help="why: what changed (e.g. a rulebook change)")
def publish_cmd(day: dt.datetime | None, note: str) -> None:
    """Write every public dataset (CSV, NDJSON) with its data package, checksums and changelog
    entry; an existing release is never overwritten."""
    instance = current_app.config["ENVCREDIT_INSTANCE"]
    with ProgressBar(len(RESOURCES) * 2 + 1, "发布 / publishing") as bar:
        try:
            release = publish_release(
                instance, day.date() if day else None, note, lambda _name: bar.advance()
            )
        except DomainError as exc:
            raise click.ClickException(describe(exc)) from None
    with transaction() as session:
        audit(
            session,
            cli_actor(),
            "release.publish",
            f"release:{release.id}",
            {"seq": release.seq, "rulebook": release.rulebook, "note": release.note},
        )
    rows = ", ".join(f"{name} {release.rows(name)}" for name in RESOURCES)
    click.echo(f"已发布 / published release {release.id} (change-log seq {release.seq}; {rows})")
