"""Tip-off attachments: type from content, images re-encoded without metadata, random names.

Nothing the uploader chose becomes part of a path: files are stored under the instance's
upload folder as ``<random hex>.<ext of the detected type>``. Images are decoded and
re-encoded from their pixels, which drops EXIF (GPS position, camera serial numbers), XMP
and text chunks; ``credit.tipoffs.images`` does that within a memory budget, after every upload
of the request has passed the cheap checks (size, type, image header). PDFs are kept as
they are (they are only shown to the handling regulator).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.db import register_queue
from core.errors import Invalid
from core.messages import msg
from credit.tipoffs.images import ImagePlan, inspect_image, reencode
from credit.tipoffs.models import Attachment

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
#: detected MIME type → (stored type, extension, Pillow format or None for "keep as is")
ALLOWED = {
    "image/jpeg": ("image/jpeg", "jpg", "JPEG"),
    "image/png": ("image/png", "png", "PNG"),
    "image/webp": ("image/webp", "webp", "WEBP"),
    "image/gif": ("image/png", "png", "PNG"),  # first frame, as PNG
    "application/pdf": ("application/pdf", "pdf", None),
}
NEW_FILES = "envcredit.new_upload_files"
_STORAGE_RE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf)$")
_NAME_RE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")
#: an uploaded file as (its name, its bytes or a seekable stream not read yet)
Upload = tuple[str | None, bytes | BinaryIO]


@dataclass(frozen=True)
class PreparedFile:
    """A checked, cleaned upload ready to be stored."""

    filename: str
    content_type: str
    extension: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class _Checked:
    """An upload that passed the cheap checks, with what decoding it will take."""

    filename: str | None
    source: bytes | BinaryIO
    label: str
    mime: str
    plan: ImagePlan | None


def safe_filename(name: str | None, extension: str) -> str:
    """A display name without any path: ``../../x/我的 照片.JPG`` → ``我的_照片.jpg``."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem = _NAME_RE.sub("_", base.rsplit(".", 1)[0]).strip("._")[:80]
    return f"{stem or 'attachment'}.{extension}"


def read_limited(stream: BinaryIO, limit: int = MAX_BYTES) -> bytes:
    """Read at most ``limit + 1`` bytes, so an oversized file is detected without reading it all."""
    return stream.read(limit + 1)


def _read(source: bytes | BinaryIO) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    source.seek(0)
    return read_limited(source)


def _check(filename: str | None, source: bytes | BinaryIO, data: bytes) -> _Checked:
    """Size, real type and (for images) the header: everything short of decoding."""
    label = _NAME_RE.sub("_", re.split(r"[\\/]", filename or "")[-1])[:80] or "?"
    if len(data) > MAX_BYTES:
        message = msg("文件超过 10 MB：%(file)s", file=label)
        raise Invalid(message, {"attachments": [message]})
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime not in ALLOWED:
        message = msg("只接受 JPEG、PNG、WebP、GIF 图片或 PDF 文件：%(file)s", file=label)
        raise Invalid(message, {"attachments": [message]})
    out_format = ALLOWED[mime][2]
    plan = inspect_image(data, mime, out_format, label) if out_format else None
    return _Checked(filename, source, label, mime, plan)


def prepare_uploads(files: Sequence[Upload]) -> list[PreparedFile]:
    """Check up to five uploads, all of them before any is decoded; then clean each one.

    All or nothing: the first refused file raises Invalid (or ``images.Busy`` when the
    server has no memory to spare for decoding right now). Empty files are skipped. Only
    one upload's raw bytes are held at a time.
    """
    checked: list[_Checked] = []
    for name, source in files:
        data = _read(source)
        if not data:
            continue
        if len(checked) == MAX_FILES:
            message = msg("最多上传 %(n)s 个文件", n=MAX_FILES)
            raise Invalid(message, {"attachments": [message]})
        checked.append(_check(name, source, data))
    return [_clean(item) for item in checked]


def _clean(item: _Checked) -> PreparedFile:
    stored_type, extension, out_format = ALLOWED[item.mime]
    data = _read(item.source)
    if item.plan is not None and out_format is not None:
        data = reencode(data, item.plan, out_format, item.label)
    return PreparedFile(safe_filename(item.filename, extension), stored_type, extension, data)


def _write(directory: Path, data: bytes, extension: str) -> str:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{extension}"
    tmp = directory / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, directory / name)
    return name


def store_attachments(
    session: Session,
    tipoff_id: int,
    files: Sequence[PreparedFile],
    upload_dir: str,
    existing: int | None = None,
) -> list[Attachment]:
    """Write the files (durably) and add their rows; a rollback deletes the files again."""
    if existing is None:
        existing = (
            session.scalar(
                select(func.count())
                .select_from(Attachment)
                .where(Attachment.tipoff_id == tipoff_id)
            )
            or 0
        )
    if existing + len(files) > MAX_FILES:
        message = msg("每件举报最多 %(n)s 个附件", n=MAX_FILES)
        raise Invalid(message, {"attachments": [message]})
    rows = [
        Attachment(
            tipoff_id=tipoff_id,
            filename=item.filename,
            content_type=item.content_type,
            size_bytes=len(item.data),
            sha256=item.sha256,
            storage_name=name,
        )
        for item, name in write_prepared(session, files, upload_dir)
    ]
    session.add_all(rows)
    return rows


def write_prepared(
    session: Session, files: Sequence[PreparedFile], upload_dir: str
) -> list[tuple[PreparedFile, str]]:
    """Write cleaned files durably under random names (each with its storage name); a
    rollback of ``session``'s transaction deletes them again. Any feature's uploads (tip-off
    attachments, case evidence) are stored through here."""
    directory = Path(upload_dir)
    stored = []
    for item in files:
        name = _write(directory, item.data, item.extension)
        session.info.setdefault(NEW_FILES, []).append(str(directory / name))
        stored.append((item, name))
    return stored


def attachment_path(upload_dir: str, storage_name: str) -> Path:
    """Where a stored attachment lives; refuses any name the server did not generate."""
    if not _STORAGE_RE.fullmatch(storage_name):
        raise ValueError("not a storage name")
    return Path(upload_dir) / storage_name


def _forget(session: Session) -> None:
    session.info.pop(NEW_FILES, None)


def _remove(paths: Sequence[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _discard(session: Session) -> None:
    """The transaction that stored these files rolled back: remove them."""
    _remove(session.info.pop(NEW_FILES, ()))


event.listen(Session, "after_commit", _forget)
event.listen(
    Session, "after_soft_rollback", lambda session, tx: None if tx.nested else _discard(session)
)
register_queue(NEW_FILES, on_discard=_remove)
