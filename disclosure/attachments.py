"""Tip-off attachments: type from content, images re-encoded without metadata, random names.

Nothing the uploader chose becomes part of a path: files are stored under the instance's
upload folder as ``<random hex>.<ext of the detected type>``. Images are decoded and
re-encoded from their pixels, which drops EXIF (GPS position, camera serial numbers), XMP
and text chunks. PDFs are kept as they are (they are only shown to the handling regulator).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import filetype
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.errors import Invalid
from credit.models import Attachment

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
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


def safe_filename(name: str | None, extension: str) -> str:
    """A display name without any path: ``../../x/我的 照片.JPG`` → ``我的_照片.jpg``."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem = _NAME_RE.sub("_", base.rsplit(".", 1)[0]).strip("._")[:80]
    return f"{stem or 'attachment'}.{extension}"


def _reencode(data: bytes, pil_format: str) -> bytes:
    """Decode the image and write its pixels into a fresh file (no metadata survives)."""
    from PIL import Image, ImageOps  # loaded by the first upload, not by every worker

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            img.seek(0)
            img.load()
            oriented = ImageOps.exif_transpose(img)
            alpha = oriented.mode in {"RGBA", "LA", "PA"} or "transparency" in oriented.info
            pixels = oriented.convert("RGBA" if alpha and pil_format != "JPEG" else "RGB")
            clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    options = {"quality": 90} if pil_format in {"JPEG", "WEBP"} else {"optimize": True}
    clean.save(out, format=pil_format, **options)
    return out.getvalue()


def prepare_upload(data: bytes, filename: str | None) -> PreparedFile:
    """Check one upload's size and real type; re-encode images. Raises Invalid."""
    from PIL import Image, UnidentifiedImageError

    label = _NAME_RE.sub("_", re.split(r"[\\/]", filename or "")[-1])[:80] or "?"
    if not data:
        raise Invalid(f"文件为空：{label} / empty file", {"attachments": [f"{label}: empty"]})
    if len(data) > MAX_BYTES:
        raise Invalid(f"文件超过 10 MB：{label} / file larger than 10 MB",
                      {"attachments": [f"{label}: larger than 10 MB"]})
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime not in ALLOWED:
        raise Invalid(f"只接受 JPEG、PNG、WebP、GIF 图片或 PDF 文件：{label} / only JPEG, PNG, "
                      "WebP, GIF images or PDF files are accepted",
                      {"attachments": [f"{label}: type not accepted"]})
    stored_type, extension, pil_format = ALLOWED[mime]
    if pil_format is not None:
        try:
            data = _reencode(data, pil_format)
        except (UnidentifiedImageError, Image.DecompressionBombError,
                Image.DecompressionBombWarning, OSError, ValueError, SyntaxError) as exc:
            raise Invalid(f"图片无法读取：{label} / the image cannot be read",
                          {"attachments": [f"{label}: unreadable image"]}) from exc
    return PreparedFile(safe_filename(filename, extension), stored_type, extension, data)


def prepare_uploads(files: Sequence[tuple[str | None, bytes]]) -> list[PreparedFile]:
    """Check up to five uploads; all-or-nothing (the first bad file raises Invalid)."""
    files = [(name, data) for name, data in files if data]
    if len(files) > MAX_FILES:
        raise Invalid(f"最多上传 {MAX_FILES} 个文件 / at most {MAX_FILES} files",
                      {"attachments": [f"at most {MAX_FILES} files"]})
    return [prepare_upload(data, name) for name, data in files]


def read_limited(stream: io.BufferedIOBase | object, limit: int = MAX_BYTES) -> bytes:
    """Read at most ``limit + 1`` bytes, so an oversized file is detected without reading it all."""
    return stream.read(limit + 1)  # type: ignore[attr-defined,no-any-return]


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


def store_attachments(session: Session, tipoff_id: int, files: Sequence[PreparedFile],
                      upload_dir: str, existing: int | None = None) -> list[Attachment]:
    """Write the files (durably) and add their rows; a rollback deletes the files again."""
    if existing is None:
        existing = session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.tipoff_id == tipoff_id)) or 0
    if existing + len(files) > MAX_FILES:
        raise Invalid(f"每件举报最多 {MAX_FILES} 个附件 / at most {MAX_FILES} attachments per "
                      "tip-off", {"attachments": [f"at most {MAX_FILES} in all"]})
    directory = Path(upload_dir)
    rows = []
    for item in files:
        name = _write(directory, item.data, item.extension)
        session.info.setdefault(NEW_FILES, []).append(str(directory / name))
        rows.append(Attachment(tipoff_id=tipoff_id, filename=item.filename,
                               content_type=item.content_type, size_bytes=len(item.data),
                               sha256=item.sha256, storage_name=name))
    session.add_all(rows)
    return rows


def attachment_path(upload_dir: str, storage_name: str) -> Path:
    """Where a stored attachment lives; refuses any name the server did not generate."""
    if not _STORAGE_RE.fullmatch(storage_name):
        raise ValueError("not a storage name")
    return Path(upload_dir) / storage_name


def _forget(session: Session) -> None:
    session.info.pop(NEW_FILES, None)


def _discard(session: Session) -> None:
    """The transaction that stored these files rolled back: remove them."""
    for path in session.info.pop(NEW_FILES, ()):
        Path(path).unlink(missing_ok=True)


event.listen(Session, "after_commit", _forget)
event.listen(Session, "after_soft_rollback", lambda session, _tx: _discard(session))
