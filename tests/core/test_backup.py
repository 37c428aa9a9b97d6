"""`flask db backup` / `flask db restore`: the manifest is proven before anything is touched,
and a backup of a live instance restores elsewhere to the same data, chain and index."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from core.backup import MANIFEST
from tests.factories import create_enterprise, create_penalty, make_uscc


@pytest.fixture(scope="module")
def second_postgres(postgres_url: str | None) -> Iterator[str | None]:
    """A second PostgreSQL database to restore into (made once: dropping one is slow)."""
    if postgres_url is None:
        yield None
        return
    url = make_url(postgres_url)
    name = f"{url.database}_r"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def target(database_url: str, tmp_path: Path, request: Any) -> dict[str, Any]:
    """The configuration of a second, empty instance on the same kind of database."""
    config: dict[str, Any] = {
        "ENVCREDIT_INSTANCE": str(tmp_path / "restored"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "BACKGROUND_CONSUMERS": False,
    }
    if database_url.startswith("sqlite"):
        return config  # the default: an SQLite file in the new instance folder
    url = request.getfixturevalue("second_postgres")
    engine = create_engine(url)
    with engine.begin() as conn:  # empty: no tables at all
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    config["DATABASE_URL"] = url
    return config


@pytest.fixture
def restored_app(target: dict[str, Any]) -> Iterator[Any]:
    from wsgi import create_app

    application = create_app(target)
    yield application
    application.extensions["envcredit.db"].dispose()


def _backup(app: Any, path: Path) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["db", "backup", str(path)])
    assert result.exit_code == 0, result.output
    with tarfile.open(path) as tar:
        fh = tar.extractfile(MANIFEST)
        assert fh is not None
        return dict(json.load(fh))


def _restore(app: Any, path: Path, *extra: str) -> Any:
    return app.test_cli_runner().invoke(args=["db", "restore", str(path), *extra])


def _rewrite(path: Path, change: Any) -> None:
    """Rewrite the archive, passing each member's (name, bytes) through ``change``."""
    with tarfile.open(path) as tar:
        members = []
        for m in tar.getmembers():
            fh = tar.extractfile(m)
            members.append((m.name, fh.read() if fh else b""))
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            data = change(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _tables(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                n: conn.execute(select(func.count()).select_from(table(n))).scalar_one()
                for n in inspect(conn).get_table_names()
            }
    finally:
        engine.dispose()


def _scalar(app: Any, sql: str) -> Any:
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def small(app: Any, session: Any) -> None:
    """Two enterprises, a penalty, an upload, a release file, the search index built."""
    from core.changelog import record_change

    ent = create_enterprise(session)
    create_penalty(session, ent)
    record_change(session, "enterprise", ent.uscc, "upsert", ent.id)
    create_enterprise(session)
    session.commit()
    instance = Path(app.config["ENVCREDIT_INSTANCE"])
    (instance / "uploads").mkdir(exist_ok=True)
    (instance / "uploads" / "ab12.jpg").write_bytes(b"\xff\xd8 a photo")
    (instance / "releases" / "2026-12-01").mkdir(parents=True)
    (instance / "releases" / "2026-12-01" / "penalties.csv").write_text("id\n1\n")
    (instance / "boundaries-cnmaps-1.0-wgs84-v1.bin").write_bytes(b"derived")
    assert app.test_cli_runner().invoke(args=["search", "rebuild"]).exit_code == 0


def test_backup_holds_database_instance_files_and_a_manifest_of_them(app, small, tmp_path):
    path = tmp_path / "b.tar.gz"
    manifest = _backup(app, path)
    assert path.stat().st_mode & 0o077 == 0  # it holds the secrets
    with tarfile.open(path) as tar:
        names = set(tar.getnames())
        digests = {
            m.name: hashlib.sha256(tar.extractfile(m).read()).hexdigest()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.name != MANIFEST
        }
    assert names == set(manifest["members"]) | {MANIFEST}
    assert digests == {n: v["sha256"] for n, v in manifest["members"].items()}
    assert {
        "instance/uploads/ab12.jpg",
        "instance/releases/2026-12-01/penalties.csv",
        "instance/audit_key",
        "instance/hash_key",
    } <= names
    assert not [n for n in names if "index/" in n or "boundaries-" in n or n.endswith("-wal")]
    assert manifest["counts"]["enterprises"] == 2
    assert manifest["counts"]["penalties"] == 1
    assert manifest["change_log_head"] == _scalar(app, "SELECT seq FROM change_counter")
    assert manifest["audit_head"] == _scalar(app, "SELECT seq FROM audit_head")
    assert manifest["migration_head"] and manifest["app_version"]
    assert manifest["keys"]["SECRET_KEY"]["file"] is None  # configured, so not in the backup
    assert "test-secret" not in path.read_bytes().decode("latin-1")


def test_a_changed_member_is_refused_by_name_and_nothing_is_touched(
    app, small, tmp_path, restored_app, target
):
    path = tmp_path / "b.tar.gz"
    _backup(app, path)
    _rewrite(path, lambda n, d: d + b"x" if n == "instance/uploads/ab12.jpg" else d)
    result = _restore(restored_app, path)
    assert result.exit_code == 1
    assert "instance/uploads/ab12.jpg" in result.output and "checksum" in result.output
    assert not _tables(restored_app.config["DATABASE_URL"])
    assert not (Path(target["ENVCREDIT_INSTANCE"]) / "uploads" / "ab12.jpg").exists()


def test_a_member_missing_from_the_archive_is_refused(app, small, tmp_path, restored_app):
    path = tmp_path / "b.tar.gz"
    _backup(app, path)
    with tarfile.open(path) as tar:
        kept = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(path, "w:gz") as tar:
        for name, data in kept:
            if name != "instance/releases/2026-12-01/penalties.csv":
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    result = _restore(restored_app, path)
    assert result.exit_code == 1
    assert "instance/releases/2026-12-01/penalties.csv" in result.output


@pytest.mark.parametrize("head", ["9999_from_the_future", ""])
def test_a_newer_or_unknown_migration_head_is_refused(app, small, tmp_path, restored_app, head):
    path = tmp_path / "b.tar.gz"
    _backup(app, path)

    def newer(name: str, data: bytes) -> bytes:
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migration_head"] = head
        return json.dumps(manifest).encode()

    _rewrite(path, newer)
    result = _restore(restored_app, path)
    assert result.exit_code == 1
    assert "migration head" in result.output
    assert not _tables(restored_app.config["DATABASE_URL"])


def test_restore_refuses_an_instance_with_data_and_says_what_is_there(
    app, small, tmp_path, restored_app, session
):
    path = tmp_path / "b.tar.gz"
    _backup(app, path)
    assert _restore(restored_app, path).exit_code == 0
    again = _restore(restored_app, path)
    assert again.exit_code == 1
    assert "not empty" in again.output and "enterprises: 2 rows" in again.output
    create_enterprise(session)  # the source moves on; --force replaces the target with it
    session.commit()
    _backup(app, path)
    forced = _restore(restored_app, path, "--force")
    assert forced.exit_code == 0, forced.output
    assert _tables(restored_app.config["DATABASE_URL"])["enterprises"] == 3


def test_an_older_backup_is_migrated_to_head(app, small, tmp_path, restored_app):
    from core.migrate import downgrade, upgrade

    url = app.config["DATABASE_URL"]
    app.extensions["envcredit.db"].dispose()
    downgrade(url, "-1")
    path = tmp_path / "b.tar.gz"
    try:
        manifest = _backup(app, path)
    finally:
        upgrade(url)  # PostgreSQL's test database is shared by the session's tests
    result = _restore(restored_app, path)
    assert result.exit_code == 0, result.output
    assert "migrating from" in result.output
    engine = create_engine(restored_app.config["DATABASE_URL"])
    with engine.connect() as conn:
        now = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert now != manifest["migration_head"]


class Writer(threading.Thread):
    """Pushes enterprises through the records service, one commit each, until stopped."""

    def __init__(self, app: Any) -> None:
        super().__init__(daemon=True)
        self.app, self.halt, self.commits = app, threading.Event(), 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from core.db import writing
        from credit.records.importing import push_records

        db = self.app.extensions["envcredit.db"]
        with self.app.app_context():
            while not self.halt.is_set():
                n = 500_000 + self.commits
                row = {
                    "uscc": make_uscc(n),
                    "name": f"并发写入测试有限公司{n}号",
                    "legal_representative": "李四",
                    "region_code": "620100",
                    "industry_code": "C26",
                    "address": "兰州市城关区并发路1号",
                    "permit_category": "registration",
                    "status": "operating",
                }
                session = db.new_session()
                try:
                    with writing():
                        push_records(session, "test:writer", "enterprises", [row])
                        session.commit()
                    self.commits += 1
                except BaseException as exc:
                    self.error = exc
                    return
                finally:
                    session.close()


def test_a_live_instance_backed_up_under_writes_restores_equal(
    app, session, tmp_path, restored_app, target
):
    from credit.demo.load import load_demo
    from search.indexer import rebuild
    from search.sqlite_backend import SqliteBackend

    load_demo(session, 30, seed=5)
    session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    (Path(app.config["ENVCREDIT_INSTANCE"]) / "uploads").mkdir(exist_ok=True)
    (Path(app.config["ENVCREDIT_INSTANCE"]) / "uploads" / "p.png").write_bytes(b"\x89PNG x")
    writer = Writer(app)
    writer.start()
    while writer.commits < 3 and writer.error is None:
        writer.halt.wait(0.01)
    before = writer.commits
    path = tmp_path / "live.tar.gz"
    manifest = _backup(app, path)
    during = writer.commits - before
    writer.halt.set()
    writer.join()
    assert writer.error is None
    assert during > 0, "the writer committed while the backup ran"
    assert manifest["counts"]["enterprises"] > 30

    result = _restore(restored_app, path)
    assert result.exit_code == 0, result.output
    url = restored_app.config["DATABASE_URL"]
    counts = _tables(url)
    assert {n: counts[n] for n in manifest["counts"] if n != "watermarks"} == {
        n: c for n, c in manifest["counts"].items() if n != "watermarks"
    }
    engine = create_engine(url)
    with engine.connect() as conn:
        head = conn.execute(text("SELECT seq FROM change_counter")).scalar_one()
        newest = conn.execute(text("SELECT max(seq) FROM change_log")).scalar_one()
    engine.dispose()
    assert head == newest == manifest["change_log_head"]  # one consistent snapshot
    restored_files = Path(target["ENVCREDIT_INSTANCE"])
    assert (restored_files / "uploads" / "p.png").read_bytes() == b"\x89PNG x"

    from wsgi import create_app

    reopened = create_app(target)  # a new process's view: keys and marker from the files
    try:
        verify = reopened.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        fresh = SqliteBackend(str(tmp_path / "fresh-index"))
        reader = reopened.extensions["envcredit.db"].new_session()
        try:
            rebuild(reader, fresh)
            reader.rollback()
        finally:
            reader.close()
        index = reopened.extensions["envcredit.search"]
        assert index.ids() == fresh.ids()
        assert {f"enterprise:{u}" for u in _usccs(url)} <= index.ids()
        again = _backup(reopened, tmp_path / "again.tar.gz")  # its database is in the folder
        assert again["counts"]["enterprises"] == manifest["counts"]["enterprises"]
        assert again["change_log_head"] == manifest["change_log_head"]
        assert [n for n in again["members"] if n.startswith("instance/")] == [
            "instance/audit_chain",
            "instance/audit_key",
            "instance/hash_key",
            "instance/uploads/p.png",  # SECRET_KEY is configured: no file
        ]
    finally:
        reopened.extensions["envcredit.db"].dispose()


def _usccs(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT uscc FROM enterprises")).scalars())
    finally:
        engine.dispose()


def test_a_different_configured_secret_is_named_never_shown(app, small, tmp_path, target):
    from wsgi import create_app

    path = tmp_path / "b.tar.gz"
    _backup(app, path)
    other = create_app({**target, "SECRET_KEY": "another-secret-value"})
    try:
        result = _restore(other, path)
    finally:
        other.extensions["envcredit.db"].dispose()
    assert result.exit_code == 0, result.output
    assert "SECRET_KEY differs" in result.output
    assert "HASH_KEY differs" not in result.output and "AUDIT_KEY differs" not in result.output
    instance = Path(app.config["ENVCREDIT_INSTANCE"])
    secrets = ["another-secret-value", "test-secret"]
    secrets += [(instance / n).read_text().strip() for n in ("hash_key", "audit_key")]
    assert not [s for s in secrets if s in result.output]
    restored = Path(target["ENVCREDIT_INSTANCE"])
    assert (restored / "audit_key").read_text() == (instance / "audit_key").read_text()


def test_uploads_kept_outside_the_instance_go_back_to_the_upload_dir(app_config, tmp_path, target):
    from wsgi import create_app

    source = create_app({**app_config, "UPLOAD_DIR": str(tmp_path / "up-src")})
    (tmp_path / "up-src" / "2026").mkdir(parents=True)
    (tmp_path / "up-src" / "2026" / "x.jpg").write_bytes(b"photo")
    path = tmp_path / "b.tar.gz"
    try:
        manifest = _backup(source, path)
    finally:
        source.extensions["envcredit.db"].dispose()
    assert "uploads/2026/x.jpg" in manifest["members"]
    restored = create_app({**target, "UPLOAD_DIR": str(tmp_path / "up-dst")})
    try:
        result = _restore(restored, path)
    finally:
        restored.extensions["envcredit.db"].dispose()
    assert result.exit_code == 0, result.output
    assert (tmp_path / "up-dst" / "2026" / "x.jpg").read_bytes() == b"photo"


def test_a_truncated_archive_is_refused_as_damaged(app, small, tmp_path, restored_app):
    path = tmp_path / "b.tar.gz"
    _backup(app, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = _restore(restored_app, path)
    assert result.exit_code == 1
    assert "damaged" in result.output or "manifest" in result.output
    assert not _tables(restored_app.config["DATABASE_URL"])


def test_the_tables_migrations_fill_do_not_count_as_data(sqlite_template):
    from core.restore import REFERENCE_TABLES

    filled = {n for n, rows in _tables(f"sqlite:///{sqlite_template}").items() if rows}
    assert filled <= REFERENCE_TABLES  # else a fresh instance would look "not empty"
