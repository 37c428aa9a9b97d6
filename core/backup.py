"""Backups (``flask db backup FILE``): one archive holding the database, the instance's files and
a manifest.

The archive is a gzip'd tar written atomically (a temporary file renamed into place, mode
0600: it holds the instance's secrets). Its members:

- ``database/envcredit.sqlite3`` — SQLite's online backup API (``sqlite3.Connection.backup``)
  copies the database page by page inside one read transaction: in WAL mode the app keeps
  writing meanwhile and the copy is the database as of one commit;
- or ``database/envcredit.pgdump`` — ``pg_dump --format=custom`` of ``DATABASE_URL``, taken
  from a snapshot exported by the transaction that also counts the rows, so the counts in the
  manifest are those of the dump even while the app writes;
- ``instance/…`` — every regular file of the instance folder: uploads, the secret key files,
  the audit chain's marker, open-data releases and whatever a later feature keeps there,
  except the database file itself (taken above), hidden temporary files (``.name``) and
  derived data rebuilt after a restore: the search index (``INDEX_DIR``) and the compact
  boundary file (``boundaries-*.bin``, built again on first use);
- ``uploads/…`` — the uploads, when ``UPLOAD_DIR`` lies outside the instance folder;
- ``manifest.json`` — app version, dialect, migration head, change-log and audit heads, the
  rows of every table, each secret's fingerprint (never the secret) and whether its file is in
  the archive, and the SHA-256 and size of every other member.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from core.config import KEY_FILES

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBERS = {"sqlite": "database/envcredit.sqlite3", "postgresql": "database/envcredit.pgdump"}
#: files of the instance folder that are derived (rebuilt after a restore), by name pattern
DERIVED_PATTERNS = ("boundaries-*.bin",)
#: SQLite's companions of a database file (never copied: the backup API reads through them)
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
CHUNK = 1024 * 1024

Advance = Callable[[int], None]


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


@dataclass
class DatabaseFacts:
    """What the manifest says of the database: read in the same snapshot as the copy."""

    dialect: str
    migration_head: str | None
    change_log_head: int
    audit_head: int
    counts: dict[str, int]


@dataclass
class Plan:
    """A backup ready to be written: the database copy, the files and their total size."""

    workdir: Path
    facts: DatabaseFacts
    #: (member name, file on disk)
    members: list[tuple[str, Path]] = field(default_factory=list)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(path.stat().st_size for _name, path in self.members)


def app_version() -> str:
    """The installed envcredit version (package metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("envcredit")
    except PackageNotFoundError:
        return "unknown"


def key_fingerprint(value: str) -> str:
    """A short, non-secret fingerprint of a secret (to tell keys apart without showing them)."""
    return hmac.new(str(value).encode(), b"envcredit backup key id", hashlib.sha256).hexdigest()[
        :16
    ]


def database_facts(conn: Connection) -> DatabaseFacts:
    """Row counts of every table, the migration head and the change-log and audit heads."""
    names = sorted(inspect(conn).get_table_names())
    counts = {
        name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in names
    }

    def one(sql: str, table_name: str) -> Any:
        return conn.execute(text(sql)).scalar() if table_name in counts else None

    return DatabaseFacts(
        dialect=conn.dialect.name,
        migration_head=one("SELECT version_num FROM alembic_version", "alembic_version"),
        change_log_head=int(
            one("SELECT seq FROM change_counter WHERE id = 1", "change_counter") or 0
        ),
        audit_head=int(one("SELECT seq FROM audit_head WHERE id = 1", "audit_head") or 0),
        counts=counts,
    )


def sqlite_path(url: str) -> Path:
    """The database file of an SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(
            f"无法备份该 SQLite 数据库 / cannot back up this SQLite database: {database!r}"
        )
    return Path(database).resolve()


def copy_sqlite(url: str, dest: Path) -> DatabaseFacts:
    """Copy the live database with the online backup API; facts from the copy itself."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"数据库文件不存在 / the database file does not exist: {source_path}")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(dest)
    try:
        # one step (pages=-1): a single read transaction, so concurrent commits cannot make
        # the copy restart; in WAL mode writers go on meanwhile
        source.backup(target)
    finally:
        target.close()
        source.close()
    engine = create_engine(f"sqlite:///{dest}")
    try:
        with engine.connect() as conn:
            return database_facts(conn)
    finally:
        engine.dispose()


def libpq_env(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it
    (a password on a command line is visible to every local account)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def postgres_tool(name: str) -> str:
    """The path of pg_dump / pg_restore, or a clear error."""
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"找不到 {name}，请安装 PostgreSQL 客户端（主版本不低于服务器）/ {name} not found: "
            f"install the PostgreSQL client tools (postgresql-client, the server's major "
            f"version or newer)"
        )
    return found


def run_tool(args: list[str], env: dict[str, str]) -> None:
    """Run a PostgreSQL client tool; its own error text on failure (it never holds the
    password, which travels in the environment)."""
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(
            f"{Path(args[0]).name} 失败 / {Path(args[0]).name} failed "
            f"(exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )


def dump_postgres(url: str, dest: Path) -> DatabaseFacts:
    """``pg_dump --format=custom`` from a snapshot in which the rows are counted too."""
    pg_dump = postgres_tool("pg_dump")
    dsn, env = libpq_env(url)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = database_facts(conn)
            # the exporting transaction stays open while pg_dump reads its snapshot
            run_tool(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dest}", dsn],
                env,
            )
            conn.rollback()
    finally:
        engine.dispose()
    return facts


@contextlib.contextmanager
def unreachable_database() -> Iterator[None]:
    """Database errors as a BackupError naming the driver's reason (never a parameter)."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise BackupError(f"数据库出错 / database error: {reason}") from None
    except sqlite3.Error as exc:
        raise BackupError(f"数据库出错 / database error: {exc}") from None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _files(folder: Path, skip: set[Path], skip_dirs: list[Path]) -> Iterator[tuple[str, Path]]:
    """Regular files under ``folder`` (relative name, path), sorted; symbolic links,
    hidden temporary files, derived files and the skipped ones left out."""
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and not (here / d).is_symlink()
            and not any(_inside(here / d, s) for s in skip_dirs)
        )
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or path.resolve() in skip or path.is_symlink():
                continue
            if any(fnmatch.fnmatch(name, p) for p in DERIVED_PATTERNS) or not path.is_file():
                continue
            yield path.relative_to(folder).as_posix(), path


def instance_members(config: dict[str, Any], skip: set[Path]) -> list[tuple[str, Path]]:
    """The instance folder's files as ``instance/…`` members (and ``uploads/…`` when the
    uploads live elsewhere)."""
    instance = Path(config["ENVCREDIT_INSTANCE"]).resolve()
    url = str(config["DATABASE_URL"])
    if url.startswith("sqlite"):
        database = sqlite_path(url)
        skip = skip | {Path(f"{database}{suffix}") for suffix in SQLITE_SUFFIXES}
    derived = [Path(config.get("INDEX_DIR") or instance / "index").resolve()]
    members = [(f"instance/{n}", p) for n, p in _files(instance, skip, derived)]
    uploads = Path(config.get("UPLOAD_DIR") or instance / "uploads").resolve()
    if not _inside(uploads, instance) and uploads.is_dir():
        members += [(f"uploads/{n}", p) for n, p in _files(uploads, skip, derived)]
    return members


def key_facts(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each secret's fingerprint and whether it comes from its instance file (then the file
    is in the archive) or from the environment (then the operator must carry it over)."""
    instance = Path(config["ENVCREDIT_INSTANCE"])
    facts: dict[str, dict[str, Any]] = {}
    for key, filename in KEY_FILES.items():
        path = instance / filename
        value = str(config.get(key) or "")
        in_file = path.is_file() and path.read_text(encoding="ascii").strip() == value
        facts[key] = {"file": filename if in_file else None, "fingerprint": key_fingerprint(value)}
    return facts


def prepare_backup(config: dict[str, Any], target: Path) -> Plan:
    """Copy the database next to ``target`` and list the instance files: a backup to write.

    Call :func:`discard` on the plan when done (written or not).
    """
    target = target.resolve()
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(f"目录不存在 / the folder does not exist: {folder}")
    if not os.access(folder, os.W_OK):
        raise BackupError(f"目录不可写 / cannot write to the folder: {folder}")
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=folder))
    except OSError as exc:
        raise BackupError(f"目录不可写 / cannot write to the folder {folder}: {exc}") from None
    try:
        url = str(config["DATABASE_URL"])
        dialect = make_url(url).get_backend_name()
        if dialect not in DB_MEMBERS:
            raise BackupError(f"不支持的数据库 / unsupported database: {dialect}")
        copy = workdir / Path(DB_MEMBERS[dialect]).name
        with unreachable_database():
            facts = copy_sqlite(url, copy) if dialect == "sqlite" else dump_postgres(url, copy)
        plan = Plan(workdir, facts, [(DB_MEMBERS[dialect], copy)], key_facts(config))
        plan.members += instance_members(config, {target, workdir})
        return plan
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def discard(plan: Plan) -> None:
    """Remove the plan's temporary copy of the database."""
    shutil.rmtree(plan.workdir, ignore_errors=True)


class _Hashing(io.RawIOBase):
    """A file read through SHA-256 (and a progress callback) on its way into the archive."""

    def __init__(self, fh: Any, advance: Advance | None) -> None:
        self.fh, self.advance, self.sha = fh, advance, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.sha.update(data)
        if self.advance and data:
            self.advance(len(data))
        return bytes(data)


def manifest_of(plan: Plan, checksums: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The manifest of a written backup."""
    facts = plan.facts
    return {
        "format": FORMAT,
        "app": "envcredit",
        "app_version": app_version(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "dialect": facts.dialect,
        "database": DB_MEMBERS[facts.dialect],
        "migration_head": facts.migration_head,
        "change_log_head": facts.change_log_head,
        "audit_head": facts.audit_head,
        "counts": facts.counts,
        "keys": plan.keys,
        "members": checksums,
    }


def write_backup(plan: Plan, target: Path, advance: Advance | None = None) -> dict[str, Any]:
    """Write the archive atomically (0600) and return its manifest."""
    target = target.resolve()
    tmp = plan.workdir / "archive.tar.gz"
    checksums: dict[str, dict[str, Any]] = {}
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, path in plan.members:
            with path.open("rb") as fh:
                info = tar.gettarinfo(fileobj=fh, arcname=name)
                info.uid = info.gid = 0
                info.mode = 0o600
                info.uname = info.gname = ""
                reader = _Hashing(fh, advance)
                tar.addfile(info, reader)
                checksums[name] = {"sha256": reader.sha.hexdigest(), "size": info.size}
        manifest = manifest_of(plan, checksums)
        body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(body), 0o600
        info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
        tar.addfile(info, io.BytesIO(body))
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, target)
    with contextlib.suppress(OSError):  # make the rename durable where the platform allows
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return manifest
