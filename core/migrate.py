"""Alembic, driven from the app's configuration (``flask db upgrade|downgrade|check``)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import AppGroup

if TYPE_CHECKING:
    from alembic.config import Config

# alembic (with mako and pygments, ~9 MB) is imported by the commands that use it, not by
# every web worker that registers them

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Database migrations (Alembic), backup and restore.")


def alembic_config(url: str) -> Config:
    """An Alembic config for the project's single migration history."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_REVISION = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*["\']([^"\']+)["\']', re.M)


@cache
def script_heads() -> tuple[str, ...]:
    """The head revision(s) of the migration files (read from the files, not by Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for kind, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if kind == "revision" else parents).add(value)
    return tuple(sorted(revisions - parents))


def migration_state(session: Any = None) -> dict[str, Any]:
    """The database's revision, the files' head and whether they agree (for /readyz)."""
    from sqlalchemy import text

    from core.db import get_session

    session = session or get_session()
    current = sorted(session.scalars(text("SELECT version_num FROM alembic_version")))
    heads = list(script_heads())
    return {"database": current, "head": heads, "current": current == heads}


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_cmd(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    upgrade(current_app.config["DATABASE_URL"], revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_cmd(revision: str) -> None:
    """Downgrade the database to REVISION (default: one step; 'base' for all)."""
    downgrade(current_app.config["DATABASE_URL"], revision)


@db_cli.command("check")
def check_cmd() -> None:
    """Fail if the models and the migrations differ."""
    from alembic import command

    command.check(alembic_config(current_app.config["DATABASE_URL"]))


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_cmd(message: str) -> None:
    """Autogenerate a new migration from the models (review it by hand)."""
    from alembic import command

    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True
    )
