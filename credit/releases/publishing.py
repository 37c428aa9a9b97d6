"""Publishing a release: every public dataset as CSV and NDJSON read on one database snapshot
(rows and change-log seq agree), with its data package, checksums, data dictionary and
changelog entry, written to a hidden folder and renamed into place, so a release appears
whole or not at all and is never overwritten."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from core.changelog import last_seq
from core.clock import today as china_today
from core.config import private_dir
from core.db import utcnow
from core.errors import Conflict, Invalid
from core.messages import msg
from credit.ratings.loader import active_rulebook
from credit.records.export_schema import LICENSE, TITLE, table_schema
from credit.records.exports import RESOURCES, encode_csv, encode_ndjson, snapshot_session
from credit.releases.changes import change_counts, changelog_entry, describe_changes
from credit.releases.dictionary import DICTIONARY_FIELDS, data_dictionary, dictionary_csv
from credit.releases.store import (
    CHANGELOG,
    PACKAGE,
    SUMS,
    Release,
    list_releases,
    read_release,
    releases_dir,
)

MEDIATYPES = {"csv": "text/csv", "ndjson": "application/x-ndjson"}
#: the dictionary's Table Schema: one row per dataset and column
DICTIONARY_SCHEMA = {
    "fields": [{"name": n, "type": t} for n, t in DICTIONARY_FIELDS],
    "primaryKey": ["dataset", "column"],
}


def _write(path: Path, chunks: Iterable[str]) -> tuple[str, int, int]:
    """Write text chunks as UTF-8; their SHA-256, bytes and newline count."""
    digest, size, newlines = hashlib.sha256(), 0, 0
    with path.open("wb") as fh:
        for chunk in chunks:
            data = chunk.encode("utf-8")
            digest.update(data)
            size += len(data)
            newlines += data.count(b"\n")
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return digest.hexdigest(), size, newlines


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (the folder's entry, not only the files)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _csv_rows(path: Path) -> int:
    """Records in a CSV file, without its header (a value may hold a newline)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _resource(
    name: str, path: Path, fmt: str, dataset: str, meta: tuple[str, int, int]
) -> dict[str, Any]:
    """A resource of the data package: the file's checksum, size and rows."""
    sha256, size, lines = meta
    rows = _csv_rows(path) if fmt == "csv" else lines
    out: dict[str, Any] = {
        "name": name,
        "path": path.name,
        "format": fmt,
        "mediatype": MEDIATYPES[fmt],
        "encoding": "utf-8",
        "hash": f"sha256:{sha256}",
        "bytes": size,
        "rows": rows,
        "envcredit:dataset": dataset,
    }
    if fmt == "csv":
        out["profile"] = "tabular-data-resource"
    else:  # nested snapshots, not a table: frictionless checks only its hash and bytes
        out["type"] = "file"
        out["envcredit:rows"] = out.pop("rows")
    return out


def _check_date(instance_path: Path, day: dt.date) -> Release | None:
    """Refuse a date in the future, a date already published or one before the newest
    release (releases follow each other); the previous release otherwise."""
    if day > china_today():
        raise Invalid(msg("发布日期不能晚于今天：%(day)s", day=day.isoformat()))
    release_id = day.isoformat()
    if (releases_dir(instance_path) / release_id).exists():
        raise Conflict(msg("数据发布 %(id)s 已存在，发布后不可覆盖", id=release_id))
    releases = list_releases(instance_path)
    if releases and releases[0].date > day:
        raise Conflict(
            msg(
                "已有更晚的数据发布 %(newest)s，不能再发布 %(id)s",
                newest=releases[0].id,
                id=release_id,
            )
        )
    return releases[0] if releases else None


def publish_release(
    instance_path: str | Path,
    day: dt.date | None = None,
    note: str = "",
    on_file: Callable[[str], None] | None = None,
) -> Release:
    """Write the release of ``day`` (default: today in China) under the instance folder.

    The datasets are the exports (credit.records.exports: the same rows and columns), public
    on ``day``; ``on_file`` is called after each file (a progress bar).
    """
    instance_path = Path(instance_path)
    day = day or china_today()
    note = note.strip()
    if len(note) > 2000:
        raise Invalid(msg("发布说明不能超过 2000 字"))
    previous = _check_date(instance_path, day)
    root = private_dir(releases_dir(instance_path))
    release_id = day.isoformat()
    tmp = root / f".{release_id}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o700)
    try:
        _write_release(tmp, release_id, day, note, previous, on_file or (lambda _n: None))
        try:
            os.rename(tmp, root / release_id)
        except OSError:  # another publisher won the race: its release stands
            raise Conflict(msg("数据发布 %(id)s 已存在，发布后不可覆盖", id=release_id)) from None
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return read_release(instance_path, release_id)


def _write_datasets(
    folder: Path, day: dt.date, previous: Release | None, on_file: Callable[[str], None]
) -> tuple[list[dict[str, Any]], int, dict[str, int]]:
    """Every export as CSV and NDJSON, read on one snapshot: their resources, the snapshot's
    seq and the change-log rows since the previous release."""
    resources: list[dict[str, Any]] = []
    session = snapshot_session()
    try:
        seq = last_seq(session)
        for name, resource in RESOURCES.items():
            path = folder / f"{name}.csv"
            meta = _write(path, encode_csv(resource, session, day))
            entry = _resource(name, path, "csv", name, meta)
            entry["schema"] = table_schema(name, resource.fields)
            resources.append(entry)
            on_file(path.name)
            path = folder / f"{name}.ndjson"
            meta = _write(path, encode_ndjson(resource, session, day))
            resources.append(_resource(f"{name}-ndjson", path, "ndjson", name, meta))
            on_file(path.name)
        return resources, seq, change_counts(session, previous.seq if previous else 0, seq)
    finally:
        session.close()


def _write_release(
    folder: Path,
    release_id: str,
    day: dt.date,
    note: str,
    previous: Release | None,
    on_file: Callable[[str], None],
) -> None:
    book = active_rulebook()  # the configured rulebook (each rating names its own)
    rulebook = f"{book.name}@{book.version}"
    resources, seq, changed = _write_datasets(folder, day, previous, on_file)
    rows = {r["envcredit:dataset"]: r["rows"] for r in resources if r["format"] == "csv"}
    path = folder / "dictionary.csv"
    entry = _resource(
        "dictionary", path, "csv", "dictionary", _write(path, [dictionary_csv(data_dictionary())])
    )
    entry["schema"] = DICTIONARY_SCHEMA
    resources.append(entry)
    changes = describe_changes(previous, rows, rulebook, seq, changed, note)
    package = {
        "profile": "data-package",
        "name": f"envcredit-{release_id}",
        "title": TITLE,
        "version": release_id,
        "created": utcnow().isoformat(timespec="seconds"),
        "licenses": [LICENSE],
        "envcredit:change_seq": seq,
        "envcredit:rulebook": rulebook,
        "envcredit:note": note,
        "envcredit:changes": changes,
        "resources": resources,
    }
    text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    _write(folder / PACKAGE, [text])
    _write(folder / CHANGELOG, [changelog_entry(release_id, changes)])
    sums = "".join(f"{r['hash'].removeprefix('sha256:')}  {r['path']}\n" for r in resources)
    _write(folder / SUMS, [sums])
    on_file(PACKAGE)
