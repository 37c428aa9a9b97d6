"""Restoring a backup (``flask db restore FILE``) into an empty instance.

Nothing is touched before the archive is proven whole: every member is extracted into a
private folder and checked against the manifest's SHA-256 (a member missing, extra or changed
refuses the restore, naming it). A backup is refused when its migration head is unknown to
this code (a newer release wrote it), when its database dialect differs from
``DATABASE_URL``'s, and when the target instance holds data (unless forced: then that data is
replaced). The database is then put in place (SQLite: the copy renamed over the database file;
PostgreSQL: ``pg_restore`` into an emptied schema), the instance files after it, and the
restored database is compared with the manifest (row counts, change-log and audit heads).
Migrating an older backup, reloading the secrets, the audit check and the search rebuild are
the command's next steps (``core.backup_cli``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from core.backup import (
    DB_MEMBERS,
    FORMAT,
    MANIFEST,
    SQLITE_SUFFIXES,
    BackupError,
    DatabaseFacts,
    database_facts,
    key_fingerprint,
    libpq_env,
    postgres_tool,
    run_tool,
    sqlite_path,
)
from core.config import KEY_FILES

#: tables the migrations fill (reference data and one-row counters) and consumer watermarks:
#: rows there do not make an instance "not empty"
REFERENCE_TABLES = frozenset(
    {"alembic_version", "audit_head", "change_counter", "industries", "regions", "watermarks"}
)
#: instance files every start generates or rewrites: never a sign of data
GENERATED_FILES = frozenset(KEY_FILES.values()) | {"audit_chain"}


@dataclass
class Extracted:
    """A verified backup, unpacked into ``folder``."""

    manifest: dict[str, Any]
    folder: Path

    def path(self, member: str) -> Path:
        return self.folder / member


def _safe_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return bool(name) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in name


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    """The archive's manifest, checked for shape."""
    try:
        member = tar.getmember(MANIFEST)
        fh = tar.extractfile(member)
        manifest = json.loads(fh.read()) if fh else None
    except (KeyError, ValueError) as exc:
        raise BackupError(
            f"不是有效的备份（缺少或无法读取 {MANIFEST}）/ not a backup: {MANIFEST} is missing "
            f"or unreadable ({exc})"
        ) from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if not isinstance(manifest, dict) or found != FORMAT:
        raise BackupError(
            f"备份格式不受支持 / unsupported backup format: {found!r} (expected {FORMAT})"
        )
    members = manifest.get("members")
    if not isinstance(members, dict) or manifest.get("database") not in members:
        raise BackupError("备份清单不完整 / the manifest lists no database member")
    return manifest


def extract_verified(archive: Path, folder: Path, advance: Any = None) -> Extracted:
    """Unpack ``archive`` into ``folder``, proving each member against the manifest."""
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 (closed below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份 / cannot read the backup {archive}: {exc}") from None
    with tar:
        try:
            manifest = read_manifest(tar)
            seen = _extract_all(tar, manifest["members"], folder, advance)
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise BackupError(
                f"备份已损坏 / the backup is damaged (cannot unpack it: {exc})"
            ) from None
        expected: dict[str, Any] = manifest["members"]
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(
                f"备份缺少成员 / the backup lacks members the manifest lists: {', '.join(missing)}"
            )
    return Extracted(manifest, folder)


def _extract_all(
    tar: tarfile.TarFile, expected: dict[str, Any], folder: Path, advance: Any
) -> set[str]:
    """Unpack and check every member; the names seen."""
    seen: set[str] = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile() or not _safe_name(member.name):
            raise BackupError(
                f"备份含有清单之外的成员 / the backup holds a member the manifest does not "
                f"list: {member.name}"
            )
        _extract_one(tar, member, folder / member.name, expected[member.name], advance)
        seen.add(member.name)
    return seen


def _extract_one(
    tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, wanted: Any, advance: Any
) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    sha = hashlib.sha256()
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"无法读取备份成员 / cannot read the member {member.name}")
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(1024 * 1024):
            sha.update(chunk)
            out.write(chunk)
            if advance:
                advance(len(chunk))
    if not isinstance(wanted, dict) or sha.hexdigest() != wanted.get("sha256"):
        raise BackupError(
            f"校验和不符，备份已损坏或被改动 / checksum mismatch: the member {member.name} "
            f"differs from the manifest (the backup is damaged or was changed)"
        )


def migration_status(manifest: dict[str, Any], url: str) -> str:
    """``current`` (the code's head) or ``older``; refuses a newer or unknown head."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from core.migrate import alembic_config

    head = manifest.get("migration_head")
    script = ScriptDirectory.from_config(alembic_config(url))
    if not head:
        raise BackupError(
            "备份中的数据库没有迁移版本 / the backup's database has no migration head"
        )
    try:
        known = script.get_revision(head)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"备份来自更新的版本（迁移 {head} 本程序不认识），请先升级程序 / the backup's "
            f"migration head {head} is unknown to this code (a newer release made it): "
            f"upgrade envcredit first"
        )
    return "current" if head in script.get_heads() else "older"


def check_dialect(manifest: dict[str, Any], url: str) -> None:
    """A SQLite backup goes into SQLite, a PostgreSQL one into PostgreSQL."""
    dialect = make_url(url).get_backend_name()
    if manifest.get("dialect") != dialect or DB_MEMBERS.get(dialect) != manifest.get("database"):
        raise BackupError(
            f"备份的数据库类型（{manifest.get('dialect')}）与 DATABASE_URL（{dialect}）不同 / "
            f"the backup is of a {manifest.get('dialect')} database, DATABASE_URL is {dialect}"
        )


def existing_data(engine: Engine, config: dict[str, Any], backup_file: Path) -> list[str]:
    """What the target instance already holds (empty list: nothing to lose)."""
    found: list[str] = []
    with engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            if name in REFERENCE_TABLES:
                continue
            rows = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            if rows:
                found.append(f"table {name}: {rows} rows")
    from core.backup import instance_members

    for member, path in instance_members(config, {backup_file.resolve()}):
        if member.removeprefix("instance/") not in GENERATED_FILES:
            found.append(f"file {path}")
    return found


def restore_database(extracted: Extracted, url: str, engine: Engine) -> None:
    """Put the backup's database in place of ``DATABASE_URL``'s (the app's pool is closed)."""
    source = extracted.path(extracted.manifest["database"])
    engine.dispose()
    if make_url(url).get_backend_name() == "sqlite":
        database = sqlite_path(url)
        staged = database.with_name(f".{database.name}.restore")
        shutil.copyfile(source, staged)
        os.chmod(staged, 0o600)
        for suffix in SQLITE_SUFFIXES[1:]:  # a stale WAL would be replayed into the new file
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.replace(staged, database)
    else:
        _empty_schema(url)
        dsn, env = libpq_env(url)
        run_tool(
            [
                postgres_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={dsn}",
                str(source),
            ],
            env,
        )
    engine.dispose()


def _empty_schema(url: str) -> None:
    """Drop every table (and sequence) of the target schema, so pg_restore starts empty."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for name in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
            for name in inspect(conn).get_sequence_names():
                conn.execute(text(f'DROP SEQUENCE IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()


def restore_files(extracted: Extracted, config: dict[str, Any]) -> int:
    """Put the instance files (and uploads kept elsewhere) in place, each atomically."""
    instance = Path(config["ENVCREDIT_INSTANCE"])
    uploads = Path(config.get("UPLOAD_DIR") or instance / "uploads")
    count = 0
    for member in extracted.manifest["members"]:
        prefix, _, rest = member.partition("/")
        if prefix not in ("instance", "uploads"):
            continue
        dest = (instance if prefix == "instance" else uploads) / rest
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        staged = dest.with_name(f".{dest.name}.restore")
        shutil.copyfile(extracted.path(member), staged)
        os.chmod(staged, 0o600)
        os.replace(staged, dest)
        count += 1
    return count


def compare_facts(manifest: dict[str, Any], facts: DatabaseFacts) -> list[str]:
    """Differences between the restored database and the manifest (empty: equal)."""
    problems = []
    for name, rows in sorted(manifest["counts"].items()):
        got = facts.counts.get(name)
        if got != rows:
            problems.append(f"table {name}: {got} rows, the manifest says {rows}")
    for extra in sorted(set(facts.counts) - set(manifest["counts"])):
        problems.append(f"table {extra} is not in the manifest")
    for key in ("change_log_head", "audit_head", "migration_head"):
        if getattr(facts, key) != manifest.get(key):
            problems.append(f"{key}: {getattr(facts, key)}, the manifest says {manifest.get(key)}")
    return problems


def restored_facts(url: str) -> DatabaseFacts:
    """The facts of the database now behind ``url``."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return database_facts(conn)
    finally:
        engine.dispose()


def file_keys(config: dict[str, Any]) -> set[str]:
    """The secrets this instance reads from its own files (not from the environment)."""
    from core.backup import key_facts

    return {key for key, facts in key_facts(config).items() if facts["file"]}


def reload_keys(app: Flask, manifest: dict[str, Any], from_files: set[str]) -> list[str]:
    """Use the restored secret files in this process (for the secrets ``from_files``: those
    the instance reads from its files); warn where a key differs from the backup's (then the
    audit check fails, and tracking secrets, API keys and second factors stop matching).
    Never shows a key."""
    from core import audit_chain

    instance = Path(app.config["ENVCREDIT_INSTANCE"])
    warnings = []
    for key, filename in KEY_FILES.items():
        facts = manifest.get("keys", {}).get(key) or {}
        if key in from_files and (instance / filename).is_file():
            app.config[key] = (instance / filename).read_text(encoding="ascii").strip()
        if facts.get("fingerprint") and key_fingerprint(app.config[key]) != facts["fingerprint"]:
            warnings.append(
                f"{key} 与备份时不同 / {key} differs from the backed-up instance's "
                f"(fingerprint {key_fingerprint(app.config[key])}, the backup's "
                f"{facts['fingerprint']}): configure the value the backed-up instance used"
            )
    audit_chain.init_app(app)
    return warnings
