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


def test_digest_migration_fills_existing_ratings(tmp_path):
    import json

    from sqlalchemy import text

    from credit.ratings.engine import LineItem, explanation_digest

    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    cfg = migrate.alembic_config(url)
    command.upgrade(cfg, "0003")
    lines = [LineItem("P1", -10, "penalty", 7), LineItem("D2", -2, None, None, "2025 年度")]
    stored = [
        {
            "rule": li.rule,
            "points": li.points,
            "source": {"type": li.source_type, "id": li.source_id} if li.source_type else None,
            "note": li.note,
        }
        for li in lines
    ]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO enterprises (id, uscc, name, region_code, industry_code, status, "
                "created_at, updated_at) VALUES (1, '91620100MA0000000X', 'x', '620100', 'C26', "
                "'operating', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO credit_ratings (enterprise_id, as_of, rulebook_version, score, level, "
                "computed_level, explanation, created_at, is_current) VALUES (1, '2026-06-30', "
                "'cn-default@1', 88, 'blue', 'blue', :e, '2026-06-30 00:00:00', 1)"
            ),
            {"e": json.dumps(stored, ensure_ascii=False)},
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        digest = conn.execute(text("SELECT explanation_digest FROM credit_ratings")).scalar()
    engine.dispose()
    assert digest == explanation_digest(lines)


def test_single_head():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


__all__ = ["_reset_schema"]
