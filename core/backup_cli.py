"""`flask db backup FILE` and `flask db restore FILE` (the work is in core.backup and
core.restore)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from core.backup import (
    BackupError,
    discard,
    prepare_backup,
    unreachable_database,
    write_backup,
)
from core.cli import ProgressBar
from core.db import get_db


def _fail(exc: BackupError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_cmd(file: Path) -> None:
    """Back up the database, uploads, secrets and instance files into FILE (tar.gz with a
    manifest); safe while the app serves."""
    try:
        plan = prepare_backup(current_app.config, file)
    except BackupError as exc:
        raise _fail(exc) from None
    try:
        with ProgressBar(plan.total_bytes, "db backup") as bar:
            manifest = write_backup(plan, file, bar.advance)
    except OSError as exc:
        raise click.ClickException(f"无法写入备份 / cannot write the backup: {exc}") from None
    finally:
        discard(plan)
    rows = sum(manifest["counts"].values())
    click.echo(
        f"已备份 / backed up to {file}: {manifest['dialect']} database at migration "
        f"{manifest['migration_head']}, change log {manifest['change_log_head']}, "
        f"{rows} rows in {len(manifest['counts'])} tables, {len(manifest['members']) - 1} files"
    )
    for key, facts in manifest["keys"].items():
        if not facts["file"]:
            click.echo(
                f"注意：{key} 来自环境变量，未包含在备份中 / note: {key} comes from the "
                f"environment and is not in the backup; keep it with the backup",
                err=True,
            )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="replace the data this instance already holds (stop it first)"
)
@click.pass_context
@with_appcontext
def restore_cmd(ctx: click.Context, file: Path, force: bool) -> None:
    """Restore a backup from FILE into this (empty) instance: checks the manifest, restores
    the database and instance files, migrates, verifies and rebuilds the search index."""
    from core import restore as r

    config = current_app.config
    instance = Path(config["ENVCREDIT_INSTANCE"])
    try:
        folder = Path(tempfile.mkdtemp(prefix=".restore-", dir=instance))
    except OSError as exc:
        raise click.ClickException(f"实例目录不可写 / cannot write to {instance}: {exc}") from None
    try:
        try:
            with unreachable_database():
                extracted, migration = _checked(file, folder, force)
                from_files = r.file_keys(config)
                r.restore_database(extracted, config["DATABASE_URL"], get_db().engine)
                restored = r.restore_files(extracted, config)
        except BackupError as exc:
            raise _fail(exc) from None
        except OSError as exc:
            raise click.ClickException(f"恢复失败 / restore failed: {exc}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    manifest = extracted.manifest
    problems = r.compare_facts(manifest, r.restored_facts(config["DATABASE_URL"]))
    if problems:
        raise click.ClickException(
            "恢复后的数据库与清单不符 / the restored database differs from the manifest: "
            + "; ".join(problems)
        )
    click.echo(
        f"已恢复 / restored: {sum(manifest['counts'].values())} rows in "
        f"{len(manifest['counts'])} tables (equal to the manifest), change log "
        f"{manifest['change_log_head']}, {restored} instance files"
    )
    _after_restore(ctx, manifest, migration, from_files)


def _checked(file: Path, folder: Path, force: bool) -> tuple[Any, str]:
    """The verified, unpacked backup and its migration status (``current`` or ``older``),
    once every refusal has been ruled out."""
    from core import restore as r

    config = current_app.config
    with ProgressBar(None, "db restore: verify") as bar:  # the unpacked size is not known yet
        extracted = r.extract_verified(file, folder, bar.advance)
    manifest = extracted.manifest
    r.check_dialect(manifest, config["DATABASE_URL"])
    migration = r.migration_status(manifest, config["DATABASE_URL"])
    found = r.existing_data(get_db().engine, config, file)
    if found and not force:
        shown = "; ".join(found[:10]) + (f"; … {len(found) - 10} more" if len(found) > 10 else "")
        raise BackupError(
            f"实例不为空，未作任何更改（确认覆盖请加 --force）/ this instance is not empty, "
            f"nothing was changed (add --force to replace it): {shown}"
        )
    return extracted, migration


def _after_restore(
    ctx: click.Context, manifest: dict[str, Any], migration: str, from_files: set[str]
) -> None:
    """Migrate an older backup, load the restored secrets, check the audit chain, rebuild
    the search index."""
    from core import restore as r
    from core.audit import verify_chain
    from core.migrate import upgrade

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if migration == "older":
        click.echo(f"正在迁移 / migrating from {manifest['migration_head']} to head")
        upgrade(app.config["DATABASE_URL"])
    for warning in r.reload_keys(app, manifest, from_files):
        click.echo(warning, err=True)
    session = get_db().new_session()
    try:
        result = verify_chain(session)
    finally:
        session.close()
    if not result.ok:
        raise click.ClickException(
            f"审计日志校验失败 / audit chain BROKEN at seq {result.bad_seq}: {result.reason}"
        )
    click.echo(f"审计日志完整 / audit chain OK: {result.checked} events")
    search = app.cli.get_command(ctx, "search")
    rebuild = search.get_command(ctx, "rebuild") if isinstance(search, click.Group) else None
    if rebuild is None:
        click.echo(
            "请重建检索索引 / rebuild the search index: flask --app wsgi search rebuild", err=True
        )
        return
    ctx.invoke(rebuild)


def register_cli(app: Any) -> None:
    """Add ``backup`` and ``restore`` to the ``flask db`` group."""
    from core.migrate import db_cli

    db_cli.add_command(backup_cmd)
    db_cli.add_command(restore_cmd)
