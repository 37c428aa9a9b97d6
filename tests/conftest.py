"""Shared fixtures: an app per test on SQLite (a copy of a migrated template) and PostgreSQL.

Tests that take ``app`` run once per database: SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set (each xdist worker gets its own database on that server).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_TMP = tempfile.mkdtemp(prefix="envcredit-tests-")
os.environ["ENVCREDIT_INSTANCE"] = str(Path(_TMP, "default-instance"))
os.environ.setdefault("BACKGROUND_CONSUMERS", "false")
#: the compact boundary file takes ~20 s to build: one per machine, shared by test sessions
os.environ.setdefault("PLACES_CACHE_DIR", str(Path(tempfile.gettempdir(), "envcredit-places")))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from core import migrate  # noqa: E402
from core.db import Base  # noqa: E402

#: tables whose rows come from migrations and survive between tests
KEEP = {"alembic_version", "regions", "industries"}
COUNTERS = {
    "change_counter": "UPDATE change_counter SET seq = 0",
    "audit_head": "UPDATE audit_head SET seq = 0, hash = '" + "0" * 64 + "'",
}


@pytest.fixture(scope="session")
def sqlite_template() -> Iterator[Path]:
    path = Path(_TMP, "template.sqlite3")
    migrate.upgrade(f"sqlite:///{path}")
    yield path


def _worker_url(base: str, worker: str) -> str:
    url = make_url(base)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str | None]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    url = _worker_url(base, worker_id) if worker_id != "master" else base
    if url != base:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        name = make_url(url).database
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    else:
        _reset_schema(url)
    migrate.upgrade(url)
    yield url
    if url != base:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


_ENGINES: dict[str, Any] = {}
#: each data table's owned sequences (identity or serial), read once per process
_SEQUENCES = """
SELECT t.relname, s.relname FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND t.relnamespace = 'public'::regnamespace
"""


def truncate_postgres(url: str) -> None:
    """Empty every data table and reset the counters (reference data stays).

    Only tables holding rows are truncated (a TRUNCATE of every table costs ~165 ms a test,
    most of it new files for tables that are already empty); an empty table whose sequence
    was used (a rolled-back insert) has the sequence restarted, as RESTART IDENTITY would."""
    import core.models  # noqa: F401
    import credit.models  # noqa: F401
    import search.models  # noqa: F401

    tables = [
        t.name for t in Base.metadata.sorted_tables if t.name not in KEEP and t.name not in COUNTERS
    ]
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        if "sequences" not in _ENGINES:
            _ENGINES["sequences"] = conn.execute(text(_SEQUENCES)).all()
        owned = [(t, seq) for t, seq in _ENGINES["sequences"] if t in set(tables)]
        probe = " UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables
        )
        full = {row[0] for row in conn.execute(text(probe))}
        used = {
            row[0]
            for row in conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
            )
        }
        if full:
            conn.execute(
                text(
                    "TRUNCATE "
                    + ", ".join(f'"{t}"' for t in tables if t in full)
                    + " RESTART IDENTITY CASCADE"
                )
            )
        for table, seq in owned:
            if table not in full and seq in used:
                conn.execute(text(f'ALTER SEQUENCE "{seq}" RESTART'))
        for stmt in COUNTERS.values():
            conn.execute(text(stmt))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    truncate_postgres(url)
    return url


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, object]:
    return {
        "DATABASE_URL": database_url,
        "ENVCREDIT_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "BACKGROUND_CONSUMERS": False,
        "API_ANON_RATE_LIMIT": "1000000 per minute",
    }


@pytest.fixture
def app(app_config: dict[str, object]):
    from wsgi import create_app

    # No app context is held open here: each test-client request must get its own, or
    # flask.g would leak from one request to the next.
    application = create_app(app_config)
    yield application
    application.extensions["envcredit.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    return app.extensions["envcredit.db"]


@pytest.fixture
def session(db):
    """A session for arranging and checking data; tests commit when they mean to."""
    s = db.new_session()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def app_context(app):
    """The app's context, for a test that calls services directly: keyed hashes (tracking
    secrets, API keys) use the app's HASH_KEY. Not for code that sends test-client requests
    meanwhile: each request must push an app context of its own."""
    with app.app_context():
        yield


@pytest.fixture
def regulator(session):
    """A regulator of 620100 兰州 (tests.disclosure.conftest.make_regulator)."""
    from tests.disclosure.conftest import make_regulator as _make_regulator

    return _make_regulator(session, "lanzhou@example.cn")
