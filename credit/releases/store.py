"""Releases on disk: ``instance/releases/<YYYY-MM-DD>/`` folders, each described by its
``datapackage.json``. Listing reads those files (no table: a folder per month is cheap to
list); a file is found only by a release id of the date's shape and a name its package lists,
so no request can name a path outside a release."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import NotFound
from core.messages import msg

RELEASES = "releases"
RELEASE_ID = re.compile(r"\d{4}-\d{2}-\d{2}")
PACKAGE = "datapackage.json"
CHANGELOG = "CHANGELOG.md"
SUMS = "SHA256SUMS"
#: files of every release that its data package does not list as resources
META_FILES = {PACKAGE: "application/json", CHANGELOG: "text/markdown", SUMS: "text/plain"}


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release: which dataset, its format and what its package says of it."""

    name: str
    dataset: str
    format: str
    mediatype: str
    sha256: str
    bytes: int
    rows: int


@dataclass(frozen=True)
class Release:
    """One published release as its data package describes it."""

    id: str
    date: dt.date
    published_at: dt.datetime
    seq: int
    rulebook: str
    note: str
    files: tuple[ReleaseFile, ...]
    #: what changed since the previous release (credit.releases.changes)
    changes: dict[str, Any] = field(default_factory=dict)

    def file(self, name: str) -> ReleaseFile | None:
        return next((f for f in self.files if f.name == name), None)

    def rows(self, dataset: str) -> int:
        """The rows of a dataset in this release (its CSV's count)."""
        return next((f.rows for f in self.files if f.dataset == dataset and f.format == "csv"), 0)


def releases_dir(instance_path: str | Path) -> Path:
    """Where releases live: inside the instance folder, so backups carry them."""
    return Path(instance_path, RELEASES)


def _from_package(release_id: str, package: dict[str, Any]) -> Release:
    files = tuple(
        ReleaseFile(
            name=r["path"],
            dataset=r["envcredit:dataset"],
            format=r["format"],
            mediatype=r["mediatype"],
            sha256=r["hash"].removeprefix("sha256:"),
            bytes=r["bytes"],
            rows=r.get("rows", r.get("envcredit:rows", 0)),
        )
        for r in package["resources"]
    )
    return Release(
        id=release_id,
        date=dt.date.fromisoformat(release_id),
        published_at=dt.datetime.fromisoformat(package["created"]),
        seq=package["envcredit:change_seq"],
        rulebook=package["envcredit:rulebook"],
        note=package.get("envcredit:note", ""),
        files=files,
        changes=package.get("envcredit:changes", {}),
    )


def read_release(instance_path: str | Path, release_id: str) -> Release:
    """One release by its id; NotFound for anything that is not a published release."""
    if not RELEASE_ID.fullmatch(release_id):
        raise NotFound(msg("没有这个数据发布：%(id)s", id=release_id[:40]))
    path = releases_dir(instance_path) / release_id / PACKAGE
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(msg("没有这个数据发布：%(id)s", id=release_id)) from None
    return _from_package(release_id, package)


def list_releases(instance_path: str | Path) -> list[Release]:
    """Every published release, newest first (folders being written start with a dot)."""
    root = releases_dir(instance_path)
    if not root.is_dir():
        return []
    ids = sorted((p.name for p in root.iterdir() if RELEASE_ID.fullmatch(p.name)), reverse=True)
    out = []
    for release_id in ids:
        try:
            out.append(read_release(instance_path, release_id))
        except NotFound:  # a folder without a readable package is not a release
            continue
    return out


@dataclass(frozen=True)
class ServedFile:
    """A release file to send: where it is, its type and its strong entity tag (sha256)."""

    path: Path
    mediatype: str
    sha256: str


def release_file(instance_path: str | Path, release_id: str, name: str) -> ServedFile:
    """A file of a release, by a name its package lists (or one of META_FILES); any other
    name, and any path, is NotFound."""
    release = read_release(instance_path, release_id)
    folder = releases_dir(instance_path) / release.id
    listed = release.file(name)
    if listed is not None and (folder / listed.name).is_file():
        return ServedFile(folder / listed.name, listed.mediatype, listed.sha256)
    if name in META_FILES and (folder / name).is_file():
        path = folder / name
        return ServedFile(path, META_FILES[name], file_sha256(path))
    raise NotFound(msg("数据发布 %(id)s 中没有文件 %(name)s", id=release.id, name=name[:80]))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
