"""Uploads under attack (security F1): limits read from the header, the order of the checks,
animations, the decoder's memory budget. The worker-level memory test is in
tests/security/test_upload_memory.py."""

from __future__ import annotations

import io
import struct
import threading
import zlib

import pytest
from PIL import GifImagePlugin, Image, ImageFile
from sqlalchemy import func, select

from core.errors import Invalid
from credit.tipoffs import images
from credit.tipoffs.attachments import prepare_uploads
from credit.tipoffs.images import Busy, DecodeBudget, inspect_image, webp_canvas
from credit.tipoffs.models import Attachment, TipOff
from tests.disclosure.test_tipoffs import (
    FAKE_EXE,
    file_through_page,
    jpeg_with_gps,
    receipt_codes,
    track,
    upload_files,
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_header(width: int, height: int, extra: bytes = b"") -> bytes:
    """A PNG that claims ``width``×``height`` RGB pixels but carries (almost) none: only a
    decoder would notice, and the header checks must never get that far."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def encoded(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture
def decodes(monkeypatch):
    """Counts pixel decodes (Pillow's ImageFile.load), to prove refusals come before them."""
    calls = []
    original = ImageFile.ImageFile.load

    def counting(self):
        calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return calls


def test_too_many_pixels_is_refused_from_the_header_without_decoding(app, client, session, decodes):
    bomb = png_header(7000, 7000)  # 49 Mpx: the review's 143 KB bomb, as a header
    response, _ = file_through_page(client, attachments=[(io.BytesIO(bomb), "bomb.png")])
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "图片尺寸过大" in text and "4000 万像素" in text and "12000" in text
    assert decodes == [] and upload_files(app) == []
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0


@pytest.mark.parametrize(
    ("size", "accepted"),
    [
        ((6324, 6325), True),
        ((6325, 6325), False),  # 39,999,300 and 40,005,625 pixels
        ((12000, 10), True),
        ((12001, 10), False),
        ((10, 12001), False),
    ],
)
def test_the_caps_are_40_megapixels_and_12000_pixels_a_side(size, accepted, decodes):
    data = png_header(*size)
    if accepted:
        assert inspect_image(data, "image/png", "PNG", "x.png").cost > 0
    else:
        with pytest.raises(Invalid, match=r"too large \(at most"):
            inspect_image(data, "image/png", "PNG", "x.png")
    assert decodes == []


def test_every_file_is_checked_before_any_is_decoded(decodes):
    good = encoded(Image.new("RGB", (40, 30), "red"), "PNG")
    with pytest.raises(Invalid, match=r"too large \(at most"):
        prepare_uploads([("good.png", good), ("bomb.png", png_header(9000, 9000))])
    assert decodes == []


def test_refused_form_fields_check_the_uploads_with_the_same_caps(app, client, session, decodes):
    """A form refused for its fields keeps its good files for the corrected submit (#15), so
    its uploads are read: under the same caps, every one checked before any is decoded."""
    response, _ = file_through_page(
        client,
        region_code="999999",
        attachments=[
            (io.BytesIO(png_header(7000, 7000)), "bomb.png"),
            (io.BytesIO(FAKE_EXE), "x.jpg"),
        ],
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#region_code"' in text
    assert "图片尺寸过大" in text  # refused from its header
    assert decodes == [] and upload_files(app) == []  # nothing decoded, nothing kept


def test_tracking_checks_code_secret_and_text_before_reading_uploads(app, client, decodes):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    bomb = [(io.BytesIO(png_header(7000, 7000)), "bomb.png")]
    wrong = track(
        client, code, "AAAA-BBBB-CCCC-DDDD", action="info", text="夜里又在排放", attachments=bomb
    )
    assert wrong.status_code == 404 and "图片尺寸过大" not in wrong.get_data(as_text=True)
    bomb = [(io.BytesIO(png_header(7000, 7000)), "bomb.png")]
    short = track(client, code, secret, action="info", text="x", attachments=bomb)
    assert short.status_code == 422 and "图片尺寸过大" not in short.get_data(as_text=True)
    assert decodes == [] and upload_files(app) == []
    bomb = [(io.BytesIO(png_header(7000, 7000)), "bomb.png")]
    refused = track(client, code, secret, action="info", text="夜里又在排放", attachments=bomb)
    assert refused.status_code == 422 and "图片尺寸过大" in refused.get_data(as_text=True)


def test_animated_png_and_webp_are_refused(decodes):
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "blue")]
    apng = encoded(frames[0], "PNG", save_all=True, append_images=frames[1:])
    with pytest.raises(Invalid, match="only JPEG"):  # its content type is image/apng
        prepare_uploads([("a.png", apng)])
    with pytest.raises(Invalid, match="animated images are not accepted"):
        inspect_image(apng, "image/png", "PNG", "a.png")  # should the type check miss it
    webp = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(Invalid, match="animated images are not accepted"):
        prepare_uploads([("a.webp", webp)])
    assert decodes == []


def test_an_animated_gif_keeps_its_first_frame_only(monkeypatch):
    frames = [Image.new("RGB", (20, 10), c) for c in ("red", "blue", "green")]
    gif = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    seen = []
    original = GifImagePlugin.GifImageFile._seek
    monkeypatch.setattr(
        GifImagePlugin.GifImageFile,
        "_seek",
        lambda self, frame, *a, **k: seen.append(frame) or original(self, frame, *a, **k),
    )
    [stored] = prepare_uploads([("anim.gif", gif)])
    assert set(seen) == {0}  # the later frames are never even read
    assert stored.content_type == "image/png" and stored.filename == "anim.png"
    with Image.open(io.BytesIO(stored.data)) as img:
        assert getattr(img, "n_frames", 1) == 1
        assert img.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_gif_transparency_survives_as_pixels():
    img = Image.new("P", (8, 8), 1)
    img.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    img.info["transparency"] = 1
    [stored] = prepare_uploads([("t.gif", encoded(img, "GIF", transparency=1))])
    with Image.open(io.BytesIO(stored.data)) as out:
        assert out.convert("RGBA").getpixel((0, 0))[3] == 0


@pytest.mark.parametrize(
    "options",
    [{"lossless": True}, {"quality": 50}, {"exif": b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"}],
)
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_webp_canvas_is_read_from_the_riff_header(options, mode):
    data = encoded(Image.new(mode, (321, 123), "red"), "WEBP", **options)
    assert webp_canvas(data) == (321, 123)


def test_a_webp_claiming_a_huge_canvas_is_refused_before_libwebp_sees_it(monkeypatch):
    data = bytearray(
        encoded(
            Image.new("RGBA", (16, 16)),
            "WEBP",
            lossless=True,
            exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00",
        )
    )
    assert data[12:16] == b"VP8X"
    data[24:27], data[27:30] = (9999).to_bytes(3, "little"), (9999).to_bytes(3, "little")
    opened = []
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a))
    with pytest.raises(Invalid, match=r"too large \(at most"):
        inspect_image(bytes(data), "image/webp", "WEBP", "x.webp")
    assert opened == []


def test_png_text_chunks_are_not_inflated_past_4_mb():
    block = zlib.compress(b"\x00" * 1_000_000, 9)
    text = b"".join(_chunk(b"zTXt", f"k{i}".encode() + b"\x00\x00" + block) for i in range(6))
    with pytest.raises(Invalid, match="cannot be read"):
        prepare_uploads([("t.png", png_header(20, 20, extra=text))])


@pytest.fixture
def small_budget(monkeypatch):
    """A decoder budget of 1 MB, so that small test images exercise the big-image rules."""
    monkeypatch.setattr(images, "DECODE_BUDGET", 1_000_000)
    monkeypatch.setattr(images, "BUDGET", DecodeBudget(1_000_000))


def test_a_jpeg_too_big_for_the_budget_is_decoded_at_a_smaller_scale(small_budget):
    photo = encoded(Image.new("RGB", (800, 600), "green"), "JPEG")  # 1.9 MB decoded
    plan = inspect_image(photo, "image/jpeg", "JPEG", "p.jpg")
    assert plan.scale == 2 and plan.cost <= 1_000_000
    [stored] = prepare_uploads([("p.jpg", photo)])
    with Image.open(io.BytesIO(stored.data)) as img:
        assert img.size == (400, 300)


def test_other_images_too_big_for_the_budget_are_refused(small_budget):
    with pytest.raises(Invalid, match="too large to process"):
        prepare_uploads([("p.png", encoded(Image.new("RGB", (800, 600)), "PNG"))])


def test_an_upright_turn_counts_in_the_cost_and_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    photo = encoded(Image.new("RGB", (60, 20), "blue"), "JPEG", exif=exif)
    plain = encoded(Image.new("RGB", (60, 20), "blue"), "JPEG")
    turned = inspect_image(photo, "image/jpeg", "JPEG", "p.jpg")
    assert turned.orientation == 6
    assert turned.cost > inspect_image(plain, "image/jpeg", "JPEG", "q.jpg").cost
    [stored] = prepare_uploads([("p.jpg", photo)])
    with Image.open(io.BytesIO(stored.data)) as img:
        assert img.size == (20, 60) and 0x0112 not in img.getexif()


def test_the_budget_makes_uploads_wait_and_then_gives_up():
    budget = DecodeBudget(100)
    entered, release = threading.Event(), threading.Event()

    def hold():
        with budget.reserve(80):
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    with pytest.raises(Busy) as busy, budget.reserve(50, timeout=0.05):
        pass
    assert busy.value.status == 503 and budget.used == 80
    with budget.reserve(20, timeout=0.05):  # what still fits goes ahead
        assert budget.used == 100
    release.set()
    holder.join(5)
    with budget.reserve(100, timeout=0.05):
        assert budget.used == 100
    assert budget.used == 0


def test_busy_decoder_is_a_503_on_the_form_and_nothing_is_stored(app, client, session, monkeypatch):
    monkeypatch.setattr(images, "BUDGET_WAIT", 0.01)
    full = DecodeBudget(1)
    full.used = 1  # someone else holds it all
    monkeypatch.setattr(images, "BUDGET", full)
    response, _ = file_through_page(client, attachments=[(io.BytesIO(jpeg_with_gps()), "a.jpg")])
    assert response.status_code == 503 and "服务器正忙" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0
