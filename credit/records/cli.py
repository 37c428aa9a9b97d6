"""`flask records import --kind K FILE`: all-or-nothing, with a row-level error report."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.audit import audit
from core.cli import ProgressBar, cli_actor
from core.db import get_db, writing
from credit.freshness.import_log import log_import
from credit.kinds import IMPORT_KINDS as KINDS
from credit.records.cf import is_cf, map_cf_rows
from credit.records.importing import import_rows
from credit.records.readers import ReadError, read_file

records_cli = AppGroup("records", help="信用档案记录 / Records of the credit file.")
MAX_SHOWN = 200


@records_cli.command("import")
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--encoding", default=None, help="file encoding, e.g. gb18030 (default: detect)")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_cmd(kind: str, encoding: str | None, file: Path) -> None:
    """Import FILE (CSV, JSON Lines or XLSX); nothing is stored if any row is wrong."""
    try:
        rows = read_file(file, encoding)
        first = list(itertools.islice(rows, 1))
        rows = itertools.chain(first, rows)
        if kind == "penalties" and first and is_cf(first[0][1]):
            rows = map_cf_rows(rows)
        session = get_db().new_session()
        with writing():
            try:
                with ProgressBar(None, f"import {kind}") as bar:
                    result = import_rows(session, kind, rows, advance=bar.advance)
                if result.errors:
                    session.rollback()
                    _report(result.errors)
                    sys.exit(1)
                audit(
                    session,
                    cli_actor(),
                    "records.import",
                    f"file:{file.name}",
                    {
                        "kind": kind,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
                log_import(session, kind, "file", file.name, result)
                session.commit()
            finally:
                session.close()
    except ReadError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"导入完成 / imported {kind}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


def _report(errors: list) -> None:
    for error in errors[:MAX_SHOWN]:
        click.echo(str(error), err=True)
    more = len(errors) - MAX_SHOWN
    if more > 0:
        click.echo(f"… 另有 {more} 个错误 / and {more} more errors", err=True)
    click.echo(
        f"导入失败，共 {len(errors)} 个错误，未保存任何数据 / import failed with "
        f"{len(errors)} errors; nothing was stored",
        err=True,
    )
