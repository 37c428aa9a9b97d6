"""The one migration history upgrades, matches the models, downgrades and upgrades again."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from core import migrate
from tests.conftest import _reset_schema


def _roundtrip(url: str) -> None:
    cfg = migrate.alembic_config(url)
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises if the models and the migrations differ
    command.downgrade(cfg, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(cfg, "head")
    command.check(cfg)


def test_sqlite_upgrade_check_downgrade_upgrade(tmp_path):
    _roundtrip(f"sqlite:///{tmp_path / 'm.sqlite3'}")


@pytest.mark.postgres
def test_postgres_upgrade_check_downgrade_upgrade(tmp_path):
    import os

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_migrations_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _roundtrip(url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_single_head():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


__all__ = ["_reset_schema"]
