"""Photos from the public: checked from their headers, then decoded within a memory budget.

An image upload is looked at twice (security F1, decompression bombs). First its header
only: Pillow's ``Image.open`` reads size, mode and frames without decoding any pixel (for
WebP the canvas size is read from the RIFF header before Pillow is asked at all, because
libwebp's decoder reserves its canvases when it is created). Too many pixels, too long a
side, an animation, or a decode that would need more memory than one worker may spend are
refused there, before any work. Only then are the pixels decoded and written into a fresh
file, inside a process-wide budget of decoder memory: an upload that does not fit waits for
its turn (and gives up after ``BUDGET_WAIT`` seconds), so a worker's memory stays bounded
however many uploads arrive at once.

JPEG (including the MPO files of phones, whose further frames are depth maps and previews)
and GIF keep their first frame; the others are never decoded. Animated PNG and WebP are
refused. A JPEG whose full-size decode would not fit the budget is decoded at 1/2, 1/4 or
1/8 scale (``draft``), straight from the DCT coefficients; other formats cannot be, and are
refused instead.
"""

from __future__ import annotations

import io
import math
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core.errors import DomainError, Invalid
from core.messages import msg

MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
#: bytes of decoder memory that image uploads may hold at once in one worker process
DECODE_BUDGET = 192 * 1024 * 1024
#: seconds an upload waits for its share of the budget before the server says it is busy
BUDGET_WAIT = 30.0
#: detected MIME type → Pillow format to open it with (the only plugin tried)
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
#: modes each output format takes as they are (anything else is converted first)
KEEP_MODES = {"JPEG": {"L", "RGB"}, "PNG": {"L", "LA", "P", "RGB", "RGBA"}, "WEBP": {"RGB", "RGBA"}}
_ONE_BYTE_MODES = {"1", "L", "P"}
_TRANSPOSE = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}
_OPEN_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
)
_EXIF_ERRORS: tuple[type[Exception], ...] = (*_OPEN_ERRORS, TypeError)


class Busy(DomainError):
    """Too many large images are being processed right now; try again shortly."""

    status = 503
    kind = "busy"


@dataclass(frozen=True)
class ImagePlan:
    """What decoding one checked image will take: the Pillow format to open it with, the
    DCT scale (JPEG only), the peak memory in bytes, and the EXIF orientation to apply."""

    format: str
    scale: int
    cost: int
    orientation: int


@lru_cache(maxsize=1)
def pillow() -> Any:
    """Pillow's Image module, with its own limits tightened to ours (set once, on first use).

    Pillow itself refuses more than twice ``MAX_IMAGE_PIXELS`` when a file is opened (and
    warns above it; our own check refuses those right after). PNG text chunks are metadata
    we drop: more than 4 MB of them (decompressed) is refused rather than inflated.

    Pillow's block size is raised so that every image we accept is one allocation: glibc
    serves allocations of more than 32 MB with mmap and gives them back to the system when
    they are freed, whereas the default 16 MB blocks stay in the malloc arena of the server
    thread that decoded them. With eight threads that made the worker's memory grow by one
    image per thread instead of being bounded by the budget.
    """
    from PIL import Image, PngImagePlugin

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    Image.core.set_block_size(math.ceil(MAX_PIXELS * 4 / 4096) * 4096)  # whole pages
    PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024
    return Image


def _refuse(message: str) -> Invalid:
    return Invalid(message, {"attachments": [message]})


def unreadable(label: str) -> Invalid:
    """The refusal of a file that claims to be an image but cannot be read."""
    return _refuse(msg("图片无法读取：%(file)s", file=label))


def _too_large(label: str) -> Invalid:
    return _refuse(
        msg(
            "图片尺寸过大（最多 %(wan)s 万像素、每边不超过 %(side)s 像素），"
            "请缩小后再上传：%(file)s",
            wan=MAX_PIXELS // 10_000,
            mp=MAX_PIXELS // 1_000_000,
            side=MAX_SIDE,
            file=label,
        )
    )


def webp_canvas(data: bytes) -> tuple[int, int] | None:
    """A WebP's canvas size from its RIFF header (VP8, VP8L or VP8X), without a decoder."""
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = struct.unpack("<I", data[21:25])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return (
            int.from_bytes(data[24:27], "little") + 1,
            int.from_bytes(data[27:30], "little") + 1,
        )
    return None


def _check_size(width: int, height: int, label: str) -> None:
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _too_large(label)


def _orientation(img: Any) -> int:
    """The EXIF orientation, read from the header's EXIF block only (never by decoding)."""
    raw = img.info.get("exif")
    if not raw:
        return 1
    exif = pillow().Exif()
    try:
        exif.load(raw)
        value = int(exif.get(0x0112, 1))
    except _EXIF_ERRORS:
        return 1
    return value if value in _TRANSPOSE else 1


def _target_mode(img: Any, out_format: str) -> str | None:
    """The mode to convert to before saving in ``out_format``; None when it can be kept."""
    if img.mode in KEEP_MODES[out_format]:
        return None
    alpha = "A" in img.mode or "a" in img.mode or "transparency" in img.info
    return "RGBA" if alpha and out_format != "JPEG" else "RGB"


def decode_cost(img: Any, out_format: str, scale: int, orientation: int, size: int) -> int:
    """Peak bytes of memory decoding ``img`` at 1/``scale`` and re-encoding it may take."""
    full = img.width * img.height
    pixels = math.ceil(img.width / scale) * math.ceil(img.height / scale)
    depth = 1 if img.mode in _ONE_BYTE_MODES else 4  # Pillow keeps RGB at 4 bytes a pixel
    cost = pixels * depth + 2 * size  # the pixels, and the output file as it grows
    converts = _target_mode(img, out_format) is not None
    if converts:
        cost += pixels * 4
    if orientation != 1:  # the turned copy exists next to the image for a moment
        cost += pixels * (4 if converts else depth)
    if img.format == "WEBP":  # libwebp's decoder keeps two canvases of its own
        cost += full * 8
    if img.info.get("progressive"):  # libjpeg holds every DCT coefficient (2 bytes each)
        cost += full * 2 * len(img.getbands())
    return cost


def inspect_image(data: bytes, mime: str, out_format: str, label: str) -> ImagePlan:
    """Check an image from its header (no pixel decoded); raises Invalid when refused."""
    image = pillow()
    if mime == "image/webp":
        canvas = webp_canvas(data)
        if canvas is None:
            raise unreadable(label)
        _check_size(*canvas, label)
    try:
        img = image.open(io.BytesIO(data), formats=[FORMATS[mime]])
    except (image.DecompressionBombError, image.DecompressionBombWarning) as exc:
        raise _too_large(label) from exc
    except _OPEN_ERRORS as exc:
        raise unreadable(label) from exc
    with img:
        _check_size(img.width, img.height, label)
        if img.format in {"PNG", "WEBP"} and getattr(img, "n_frames", 1) > 1:
            raise _refuse(msg("不接受动图：%(file)s", file=label))
        orientation = _orientation(img)
        scales = (1, 2, 4, 8) if img.format in {"JPEG", "MPO"} else (1,)
        for scale in scales:
            cost = decode_cost(img, out_format, scale, orientation, len(data))
            if cost <= DECODE_BUDGET:
                return ImagePlan(FORMATS[mime], scale, cost, orientation)
    raise _refuse(msg("图片过大，无法处理，请缩小后再上传：%(file)s", file=label))


class DecodeBudget:
    """Bytes of decoder memory in use in this process; a reservation waits until it fits."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._changed = threading.Condition()

    @contextmanager
    def reserve(self, amount: int, timeout: float | None = None) -> Iterator[None]:
        """Hold ``amount`` bytes of the budget for the block; Busy when none frees in time
        (``BUDGET_WAIT`` seconds unless told)."""
        amount = min(amount, self.total)
        wait = BUDGET_WAIT if timeout is None else timeout
        with self._changed:
            if not self._changed.wait_for(lambda: self.used + amount <= self.total, wait):
                raise Busy(
                    msg("服务器正忙，请稍后再试"), {"attachments": [msg("服务器正忙，请稍后再试")]}
                )
            self.used += amount
        try:
            yield
        finally:
            with self._changed:
                self.used -= amount
                self._changed.notify_all()


BUDGET = DecodeBudget(DECODE_BUDGET)


def _decoded(data: bytes, plan: ImagePlan, out_format: str) -> Any:
    """The first frame's pixels, in a mode ``out_format`` takes, turned upright."""
    image = pillow()
    img = image.open(io.BytesIO(data), formats=[plan.format])
    if plan.scale > 1:  # Pillow picks the largest DCT scale that still gives at least this
        img.draft(None, (max(1, img.width // plan.scale), max(1, img.height // plan.scale)))
    img.load()  # the first frame only: later frames are never read
    target = _target_mode(img, out_format)
    if target is not None:
        img = img.convert(target)  # the decoded original is dropped here
    if plan.orientation != 1:
        img = img.transpose(getattr(image.Transpose, _TRANSPOSE[plan.orientation]))
    return img


def reencode(data: bytes, plan: ImagePlan, out_format: str, label: str) -> bytes:
    """Decode a checked image within the budget and write its pixels into a fresh file.

    Nothing but the pixels survives: the image's ``info`` (EXIF with its GPS position,
    XMP, ICC profile, text chunks, comments) is emptied before saving, and Pillow writes
    only what it is given. Transparency is the one piece of it kept, as pixels.
    """
    image = pillow()
    with BUDGET.reserve(plan.cost):
        try:
            img = _decoded(data, plan, out_format)
            transparency = img.info.get("transparency") if out_format == "PNG" else None
            img.info = {}
            options: dict[str, Any] = {"quality": 90} if out_format in {"JPEG", "WEBP"} else {}
            if transparency is not None:
                options["transparency"] = transparency
            out = io.BytesIO()
            img.save(out, format=out_format, **options)
        except (image.DecompressionBombError, image.DecompressionBombWarning, *_OPEN_ERRORS) as exc:
            raise unreadable(label) from exc
    return out.getvalue()
