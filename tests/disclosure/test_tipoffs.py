"""Tip-off portal: the form, attachments, the one-time receipt, tracking, spam trap, limits."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from core.errors import Invalid, NotFound
from credit.tipoffs.codes import find_tracked, normalize_code
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import Attachment, TipOff, TipOffEvent
from tests.disclosure.conftest import csrf_token
from tests.factories import create_enterprise


def jpeg_with_gps(marker: str = "CAMERA-OWNER-7Q3") -> bytes:
    """A small JPEG whose EXIF holds a GPS position and a text marker."""
    img = Image.new("RGB", (48, 32), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010E] = marker  # ImageDescription
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (36.0, 3.0, 30.0), 3: "E", 4: (103.0, 50.0, 1.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


FAKE_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 300


def form_data(client, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/tipoffs/new"),
        "category": "air",
        "description": "化工厂夜间排放刺鼻黑烟，持续两小时以上。",
        "location": "西固区合水路",
        "region_code": "620100",
        "identity": "anonymous",
        "website": "",
    }
    data.update(overrides)
    return data


def file_through_page(client, **overrides):
    """File via the form; returns (response of the POST, receipt page text)."""
    response = client.post(
        "/tipoffs/new", data=form_data(client, **overrides), content_type="multipart/form-data"
    )
    if response.status_code != 303:
        return response, None
    return response, client.get(response.headers["Location"]).get_data(as_text=True)


def receipt_codes(text: str) -> tuple[str, str]:
    code = re.search(r"JB-[0-9A-Z]{5}-[0-9A-Z]{5}", text).group(0)
    secret = re.search(r'<code class="big">([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})</code>', text).group(1)
    return code, secret


def track(client, code: str, secret: str, **extra):
    token = csrf_token(client, "/tipoffs/track")
    return client.post(
        "/tipoffs/track",
        data={"csrf_token": token, "code": code, "secret": secret, **extra},
        content_type="multipart/form-data",
    )


def upload_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def test_form_has_labels_csrf_spam_trap_and_identity_statement(client):
    page = client.get("/tipoffs/new")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="csrf_token"' in text and 'name="website"' in text
    assert "谁能看到您的身份" in text and "属地生态环境部门工作人员" in text
    for field in (
        "category",
        "description",
        "location",
        "region_code",
        "enterprise",
        "attachments",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
    ):
        assert f'<label for="{field}"' in text, field
    assert "兰州市" in text  # region picker


def test_filing_with_photo_gives_receipt_once_and_strips_gps(app, client, session):
    photo = (io.BytesIO(jpeg_with_gps()), "../../我的 照片.JPG")
    response, receipt = file_through_page(client, attachments=[photo])
    assert response.status_code == 303 and "/tipoffs/receipt" in response.headers["Location"]
    code, secret = receipt_codes(receipt)
    assert "密钥只显示这一次" in receipt
    assert client.get("/tipoffs/receipt").status_code == 302  # shown once only
    tipoff = session.scalar(select(TipOff))
    assert tipoff.tracking_code == code and secret not in tipoff.secret_hash
    assert tipoff.status == "received" and tipoff.source == "web" and tipoff.anonymous
    attachment = session.scalar(select(Attachment))
    assert attachment.filename == "我的_照片.jpg" and attachment.content_type == "image/jpeg"
    stored = upload_files(app)
    assert [p.name for p in stored] == [attachment.storage_name]
    data = stored[0].read_bytes()
    assert b"CAMERA-OWNER-7Q3" not in data
    with Image.open(stored[0]) as img:
        assert img.size == (48, 32)
        exif = img.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and 0x010E not in exif


def test_deadlines_are_15_and_60_days_from_receipt(app_context, session):
    now = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    filed = file_tipoff(
        session,
        TipOffInput(
            category="water",
            description="河道排污口排放黑色污水",
            location="某河段",
            region_code="620100",
        ),
        now=now,
    )
    assert filed.tipoff.accept_due_at == dt.date(2026, 3, 16)
    assert filed.tipoff.due_at == dt.date(2026, 4, 30)
    assert normalize_code(filed.tracking_code.lower().replace("-", " ")) == filed.tracking_code
    kinds = session.scalars(select(TipOffEvent.kind)).all()
    assert kinds == ["received"]


def test_anonymous_report_stores_no_identity_even_if_sent(app_context, session):
    filed = file_tipoff(
        session,
        TipOffInput(
            category="noise",
            description="夜间施工噪声扰民严重",
            location="某小区",
            region_code="620100",
            anonymous=True,
            reporter_name="不该保存",
            reporter_phone="13900000000",
        ),
    )
    assert filed.tipoff.reporter_name is None and filed.tipoff.reporter_phone is None


def test_enterprise_by_name_or_uscc_sets_the_region(app_context, session):
    ent = create_enterprise(session, name="南阳测试造纸有限公司", region_code="411300")
    for text in (ent.uscc.lower(), "南阳测试造纸有限公司", "测试造纸"):
        filed = file_tipoff(
            session,
            TipOffInput(
                category="water",
                description="造纸废水直排河道，颜色发黑",
                location="厂区东侧",
                enterprise=text,
            ),
        )
        assert filed.tipoff.enterprise_id == ent.id and filed.tipoff.region_code == "411300"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "smell"}, "category"),
        ({"description": "太短"}, "description"),
        ({"description": "长" * 4001}, "description"),
        ({"location": " "}, "location"),
        ({"latitude": "91", "longitude": "100"}, "latitude"),
        ({"latitude": "36.1"}, "latitude"),
        ({"latitude": "NaN", "longitude": "1"}, "latitude"),
        ({"region_code": None}, "region_code"),
        ({"region_code": "999999"}, "region_code"),
        ({"enterprise": "不存在的企业", "region_code": None}, "enterprise"),
        ({"anonymous": False, "reporter_name": "李四"}, "reporter_contact"),
        ({"anonymous": False, "reporter_phone": "13800000000"}, "reporter_name"),
        ({"anonymous": False, "reporter_name": "李四", "reporter_email": "nope"}, "reporter_email"),
    ],
)
def test_invalid_input_names_the_field(app_context, session, changes, field):
    values = {
        "category": "air",
        "description": "工厂排放黑烟十分严重",
        "location": "某地",
        "region_code": "620100",
    }
    values.update(changes)
    with pytest.raises(Invalid) as info:
        file_tipoff(session, TipOffInput(**values))
    assert field in info.value.errors
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0


def test_bad_form_input_stores_nothing_and_keeps_what_was_typed(client, session):
    response, _ = file_through_page(
        client, description="太短", identity="named", reporter_name="王五"
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in text
    assert "太短" in text  # the form keeps the input
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0


def test_disguised_executable_is_rejected_and_nothing_stored(app, client, session):
    response, _ = file_through_page(client, attachments=[(io.BytesIO(FAKE_EXE), "photo.jpg")])
    assert response.status_code == 422
    assert "只接受" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0
    assert upload_files(app) == []


def test_too_many_or_too_large_files_are_rejected(app, client, session):
    six = [(io.BytesIO(jpeg_with_gps()), f"p{i}.jpg") for i in range(6)]
    assert file_through_page(client, attachments=six)[0].status_code == 422
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    # Built by hand so the test client's temporary body file gets closed.
    builder = EnvironBuilder(
        path="/tipoffs/new",
        method="POST",
        data=form_data(client, attachments=[(io.BytesIO(big), "a.pdf")]),
    )
    environ = builder.get_environ()
    try:
        assert client.open(environ).status_code == 422
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0
    assert upload_files(app) == []


def test_spam_trap_and_missing_csrf_store_nothing(client, session):
    assert file_through_page(client, website="http://spam.example")[0].status_code == 400
    no_token = client.post("/tipoffs/new", data={"category": "air", "location": "x"})
    assert no_token.status_code == 400
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0


def test_tracking_shows_status_deadlines_and_timeline(client):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    page = track(client, code.lower(), secret.replace("-", ""))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "已接收" in text and "收到举报" in text and "受理决定期限" in text
    assert secret not in page.request.url and code not in page.request.url


def test_wrong_code_and_wrong_secret_get_the_same_answer(client):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    wrong_secret = track(client, code, "AAAA-BBBB-CCCC-DDDD")
    wrong_code = track(client, "JB-AAAAA-BBBBB", secret)
    garbage = track(client, "x" * 30, "")
    assert wrong_secret.status_code == wrong_code.status_code == garbage.status_code == 404
    message = re.compile(r'<p class="error" role="alert">(.*?)</p>')
    assert message.search(wrong_secret.get_data(as_text=True)).group(1) == message.search(
        wrong_code.get_data(as_text=True)
    ).group(1)


def test_reporter_adds_information_with_a_file(app, client, session):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    page = track(
        client,
        code,
        secret,
        action="info",
        text="今晚八点又开始排放",
        attachments=[(io.BytesIO(jpeg_with_gps()), "night.jpg")],
    )
    assert page.status_code == 200 and "补充信息已提交" in page.get_data(as_text=True)
    assert "今晚八点又开始排放" in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert len(upload_files(app)) == 1


def test_reopen_is_only_for_closed_reports(client):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    page = track(client, code, secret, action="reopen", reason="问题仍然存在，请再查")
    assert page.status_code == 422 and "尚未办结" in page.get_data(as_text=True)


def test_filing_is_rate_limited_per_address_refused_filings_included(app, client, session):
    app.config["TIPOFF_RATE_LIMIT"] = "3 per hour"
    assert file_through_page(client, description="短")[0].status_code == 422  # counted
    assert file_through_page(client)[0].status_code == 303
    assert file_through_page(client)[0].status_code == 303
    refused = file_through_page(client, description="第四件举报：工厂夜间继续排放黑烟")[0]
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "12369" in text and "分钟后再试" in text  # what to do, on the form itself
    assert "第四件举报：工厂夜间继续排放黑烟" in text  # what was typed is kept
    assert refused.headers["Cache-Control"] == "no-store"
    assert session.scalar(select(func.count()).select_from(TipOff)) == 2


def test_stats_page_has_chart_and_tables(client):
    file_through_page(client)
    page = client.get("/stats")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text and "按期办结率" in text
    assert "兰州市" in text and "大气" in text
    assert client.get("/stats?month=2026-13").status_code == 422


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(code=st.text(max_size=60), secret=st.text(max_size=60))
def test_any_code_and_secret_is_a_plain_not_found(app_context, session, code, secret):
    with pytest.raises(NotFound):
        find_tracked(session, code, secret)
