"""Uploads kept while a refused tip-off form is corrected, so that photos survive an error.

A form refused for its fields still has its files checked and cleaned
(:func:`~credit.tipoffs.attachments.prepare_uploads`: real type, size, EXIF dropped); the
cleaned files wait in ``<upload dir>/pending/<token>/`` under a random token the form
carries back in a hidden field. Nothing goes into the database for a refused report. The
corrected submit takes the kept files (less the ones the reporter unticked) and attaches
them; the folder is removed once that filing commits. Folders older than
``PENDING_MINUTES`` are swept whenever this module is used (lazily, no timer).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db import register_queue
from credit.tipoffs.attachments import ALLOWED, MAX_FILES, PreparedFile

PENDING_MINUTES = 60
#: session.info key: pending folders to remove once the filing that took them commits
DONE = "envcredit.pending_uploads_done"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
_FILE_RE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf)$")
_MANIFEST = "manifest.json"
_TYPES = {stored for stored, _, _ in ALLOWED.values()}


@dataclass(frozen=True)
class KeptFile:
    """A kept upload as the form lists it (its number, its cleaned name and type)."""

    index: int
    filename: str
    content_type: str


def _root(upload_dir: str) -> Path:
    return Path(upload_dir) / "pending"


def _folder(upload_dir: str, token: str | None) -> Path | None:
    if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
        return None
    folder = _root(upload_dir) / token
    return folder if folder.is_dir() else None


def sweep(upload_dir: str, now: float | None = None) -> int:
    """Remove pending folders older than ``PENDING_MINUTES``; how many were removed."""
    root = _root(upload_dir)
    if not root.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - PENDING_MINUTES * 60
    removed = 0
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:  # swept by another request at the same time
            continue
    return removed


def _manifest(folder: Path) -> list[dict[str, str]]:
    try:
        entries = json.loads((folder / _MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [
        e
        for e in entries
        if isinstance(e, dict)
        and _FILE_RE.fullmatch(str(e.get("file", "")))
        and e.get("type") in _TYPES
        and (folder / e["file"]).is_file()
    ]


def _save_manifest(folder: Path, entries: list[dict[str, str]]) -> None:
    tmp = folder / f".{_MANIFEST}.tmp"
    tmp.write_text(json.dumps(entries, ensure_ascii=False), "utf-8")
    os.replace(tmp, folder / _MANIFEST)


def kept(upload_dir: str, token: str | None) -> list[KeptFile]:
    """The files kept under ``token`` (none for an unknown or expired token)."""
    folder = _folder(upload_dir, token)
    if folder is None:
        return []
    return [
        KeptFile(i, e["name"], e["type"]) for i, e in enumerate(_manifest(folder)) if "name" in e
    ]


def keep(
    upload_dir: str,
    token: str | None,
    files: Sequence[PreparedFile],
    drop: Collection[int] = (),
) -> str | None:
    """Keep ``files`` (already cleaned) with those already under ``token`` less ``drop``;
    the token to carry on (a new one when ``token`` is unknown), None when nothing is kept.
    At most ``MAX_FILES`` in all: callers check the count first."""
    sweep(upload_dir)
    folder = _folder(upload_dir, token)
    entries = _manifest(folder) if folder is not None else []
    for index in sorted(set(drop), reverse=True):
        if 0 <= index < len(entries) and folder is not None:
            (folder / entries.pop(index)["file"]).unlink(missing_ok=True)
    if not entries and not files:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return None
    if folder is None:
        token = secrets.token_urlsafe(24)
        folder = _root(upload_dir) / token
        folder.mkdir(parents=True, mode=0o700)
    for item in files[: max(0, MAX_FILES - len(entries))]:
        name = f"{secrets.token_hex(16)}.{item.extension}"
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(item.data)
        entries.append({"file": name, "name": item.filename, "type": item.content_type})
    _save_manifest(folder, entries)
    os.utime(folder)  # kept for another PENDING_MINUTES from now
    return token


def take(
    upload_dir: str, session: Session, token: str | None, drop: Collection[int] = ()
) -> list[PreparedFile]:
    """The kept files less ``drop``, to attach to the tip-off being filed in ``session``;
    the folder is removed when that transaction commits (kept if it rolls back)."""
    sweep(upload_dir)
    folder = _folder(upload_dir, token)
    if folder is None:
        return []
    files = []
    for index, entry in enumerate(_manifest(folder)):
        if index in drop:
            continue
        extension = entry["file"].rsplit(".", 1)[1]
        data = (folder / entry["file"]).read_bytes()
        files.append(PreparedFile(entry.get("name", "attachment"), entry["type"], extension, data))
    session.info.setdefault(DONE, []).append(str(folder))
    return files


def _done(session: Session) -> None:
    for folder in session.info.pop(DONE, ()):
        shutil.rmtree(folder, ignore_errors=True)


event.listen(Session, "after_commit", _done)
event.listen(
    Session,
    "after_soft_rollback",
    lambda session, tx: None if tx.nested else session.info.pop(DONE, None),
)
register_queue(DONE)  # a savepoint rolled back keeps the folder
