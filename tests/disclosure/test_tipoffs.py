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


# --- a tip-off form with no traps (#15 item 4) ---------------------------------------------


SITE_CSS = Path(__file__).resolve().parents[2] / "disclosure/static/disclosure/site.css"


def _only_tipoff(session) -> TipOff:
    session.rollback()  # a fresh snapshot
    rows = session.scalars(select(TipOff)).all()
    assert len(rows) == 1
    return rows[0]


def _counts(session) -> tuple[int, int, int]:
    session.rollback()
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (TipOff, TipOffEvent, Attachment)
    )


def test_an_unregistered_polluter_with_a_region_is_accepted_as_typed(client, session):
    response, receipt = file_through_page(client, enterprise="河边无名小作坊", region_code="620100")
    assert response.status_code == 303, response.get_data(as_text=True)
    tipoff = _only_tipoff(session)
    assert tipoff.enterprise_id is None and tipoff.enterprise_name == "河边无名小作坊"
    assert tipoff.region_code == "620100" and tipoff.placement == "placed"
    assert "河边无名小作坊" in receipt and "由办理部门核实" in receipt


def test_an_ambiguous_name_with_a_region_keeps_the_typed_name(client, session):
    create_enterprise(session, name="永昌铝业一厂有限公司", region_code="620300")
    create_enterprise(session, name="永昌铝业二厂有限公司", region_code="620300")
    session.commit()
    response, _ = file_through_page(client, enterprise="永昌铝业", region_code="620100")
    assert response.status_code == 303
    tipoff = _only_tipoff(session)
    assert (tipoff.enterprise_id, tipoff.enterprise_name) == (None, "永昌铝业")
    assert tipoff.region_code == "620100"


def test_an_unregistered_polluter_is_routed_by_the_place_text_or_the_coordinates(client, session):
    response, _ = file_through_page(
        client, enterprise="无名小作坊", region_code="", location="兰州市西固区河滩"
    )
    assert response.status_code == 303
    assert _only_tipoff(session).region_code == "620104"  # placing.locate_region
    session.execute(TipOffEvent.__table__.delete())
    session.execute(TipOff.__table__.delete())
    session.commit()
    response, _ = file_through_page(
        client,
        enterprise="无名小作坊",
        region_code="",
        location="黄河边",
        latitude="36.06",
        longitude="103.83",
    )
    assert response.status_code == 303
    tipoff = _only_tipoff(session)
    assert tipoff.region_code == "620102" and tipoff.enterprise_name == "无名小作坊"


def test_with_neither_region_nor_place_nor_enterprise_the_form_says_what_to_add(client, session):
    response, _ = file_through_page(
        client, enterprise="河边无名小作坊", region_code="", location="黄河边"
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择所在地区或填写经纬度" in text and 'href="#enterprise"' in text
    assert re.search(r'id="enterprise"[^>]*aria-invalid="true"', text)
    assert _counts(session) == (0, 0, 0)


def test_a_prefilled_enterprise_shows_its_name_and_uscc_and_files_against_it(client, session):
    ent = create_enterprise(session, name="兰州预填化工有限公司", region_code="620100")
    session.commit()
    text = client.get(f"/tipoffs/new?uscc={ent.uscc}").get_data(as_text=True)
    assert f'value="兰州预填化工有限公司（{ent.uscc}）"' in text
    response, _ = file_through_page(client, enterprise=f"兰州预填化工有限公司（{ent.uscc}）")
    assert response.status_code == 303
    tipoff = _only_tipoff(session)
    assert tipoff.enterprise_id == ent.id and tipoff.enterprise_name is None


def _pending_token(text: str) -> str:
    return re.search(r'name="pending" value="([A-Za-z0-9_-]{32})"', text).group(1)


def test_photos_survive_a_validation_error_and_attach_on_the_corrected_submit(app, client, session):
    photo = (io.BytesIO(jpeg_with_gps("CAMERA-KEPT-1")), "河边排污口.jpg")
    refused, _ = file_through_page(client, description="太短", attachments=[photo])
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "已保留 1 个附件" in text and "河边排污口.jpg" in text
    assert _counts(session) == (0, 0, 0)  # nothing in the database for a refused report
    token = _pending_token(text)
    kept = list((Path(app.config["UPLOAD_DIR"]) / "pending" / token).iterdir())
    assert any(p.suffix == ".jpg" for p in kept)
    assert all(b"CAMERA-KEPT-1" not in p.read_bytes() for p in kept)  # EXIF already gone
    accepted, receipt = file_through_page(client, pending=token)
    assert accepted.status_code == 303
    assert "1 个" in receipt  # the receipt counts the attachment
    session.rollback()
    (attachment,) = session.scalars(select(Attachment)).all()
    assert attachment.filename == "河边排污口.jpg" and attachment.content_type == "image/jpeg"
    assert not (Path(app.config["UPLOAD_DIR"]) / "pending" / token).exists()


def test_a_kept_file_can_be_removed_and_new_ones_added(app, client, session):
    first = [(io.BytesIO(jpeg_with_gps()), "a.jpg"), (io.BytesIO(jpeg_with_gps()), "b.jpg")]
    refused, _ = file_through_page(client, location=" ", attachments=first)
    token = _pending_token(refused.get_data(as_text=True))
    again, _ = file_through_page(
        client,
        description="太短",
        pending=token,
        drop="0",
        attachments=[(io.BytesIO(jpeg_with_gps()), "c.jpg")],
    )
    text = again.get_data(as_text=True)
    assert again.status_code == 422 and "已保留 2 个附件" in text
    assert "a.jpg" not in text and "b.jpg" in text and "c.jpg" in text
    accepted, _ = file_through_page(client, pending=_pending_token(text))
    assert accepted.status_code == 303
    session.rollback()
    names = sorted(a.filename for a in session.scalars(select(Attachment)))
    assert names == ["b.jpg", "c.jpg"]


def test_a_bad_file_with_good_fields_keeps_the_files_kept_before(app, client, session):
    refused, _ = file_through_page(
        client, description="太短", attachments=[(io.BytesIO(jpeg_with_gps()), "a.jpg")]
    )
    token = _pending_token(refused.get_data(as_text=True))
    bad, _ = file_through_page(client, pending=token, attachments=[(io.BytesIO(FAKE_EXE), "x.jpg")])
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "已保留 1 个附件" in text and 'href="#attachments"' in text
    assert _counts(session) == (0, 0, 0)
    assert file_through_page(client, pending=_pending_token(text))[0].status_code == 303


def test_unknown_or_expired_tokens_attach_nothing(app, client, session):
    import time

    from credit.tipoffs.pending import sweep

    refused, _ = file_through_page(
        client, description="太短", attachments=[(io.BytesIO(jpeg_with_gps()), "a.jpg")]
    )
    token = _pending_token(refused.get_data(as_text=True))
    upload_dir = app.config["UPLOAD_DIR"]
    assert sweep(upload_dir) == 0  # fresh: kept
    assert sweep(upload_dir, now=time.time() + 61 * 60) == 1  # an hour later: swept
    for guess in (token, "../" * 10 + "etc", "A" * 32):
        response, _ = file_through_page(client, pending=guess)
        assert response.status_code == 303
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_errors_are_linked_to_their_fields_with_human_labels(client, session):
    response, _ = file_through_page(
        client, description="太短", identity="named", reporter_name="王五"
    )
    text = response.get_data(as_text=True)
    summary = re.search(r'<div class="error error-summary"(.*?)</div>', text, re.S).group(0)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert '<a href="#description">问题描述：描述须为 10–4000 字</a>' in summary
    assert '<a href="#reporter_phone">电话或邮箱：实名举报须填写电话或邮箱</a>' in summary
    assert "description:" not in text and "reporter_contact" not in text
    assert " / " not in summary  # one language only
    assert re.search(
        r'<textarea id="description"[^>]*aria-invalid="true" aria-describedby="description-error"',
        text,
    )
    assert 'id="description-error"' in text
    assert re.search(r'id="location"(?![^>]*aria-invalid)[^>]*>', text)  # a good field stays


def test_errors_on_the_english_page_are_in_english_only(client, session):
    token = csrf_token(client, "/tipoffs/new?lang=en")
    data = {**form_data(client), "csrf_token": token, "description": "short"}
    response = client.post("/tipoffs/new?lang=en", data=data, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Description: the description must have 10–4000 characters" in text
    assert "描述须为" not in text


def test_the_named_fields_sit_with_their_labels_and_show_only_for_a_named_report(client):
    text = client.get("/tipoffs/new").get_data(as_text=True)
    block = re.search(r'<div class="named-fields".*?</fieldset>', text, re.S).group(0)
    for field in ("reporter_name", "reporter_phone", "reporter_email"):
        assert re.search(
            rf'<div class="field">\s*<label for="{field}">[^<]*</label>\s*<input id="{field}"',
            block,
        ), field
    css = SITE_CSS.read_text("utf-8")
    assert "form:has(#identity-anonymous:checked) .named-fields { display: none; }" in css
    assert "@supports selector(:has(*))" in css  # without :has() the fields stay visible


def test_the_form_states_the_hotline_next_steps_and_category_help(client):
    from credit.tipoffs.vocabulary import ACCEPT_DAYS, CLOSE_DAYS

    text = client.get("/tipoffs/new").get_data(as_text=True)
    assert "紧急情况请拨打 12369 环保举报热线" in text
    assert f"{ACCEPT_DAYS} 日内决定是否受理" in text and f"{CLOSE_DAYS} 日内办结" in text
    assert "<details" in text and "放射源" in text  # what 辐射 covers
    assert re.search(r'<button type="button" id="use-location"[^>]*hidden', text)
    assert "<script>" not in text and 'src="/static/disclosure/tipoff.js"' in text
    english = client.get("/tipoffs/new?lang=en").get_data(as_text=True)
    assert ">Air</option>" in english and ">Radiation</option>" in english
    assert "12369 environmental hotline" in english and "Use my location" in english


def test_the_receipt_keeps_the_secret_whole_and_says_what_was_reported(client, session):
    ent = create_enterprise(session, name="兰州回执化工有限公司", region_code="620100")
    session.commit()
    photo = (io.BytesIO(jpeg_with_gps()), "p.jpg")
    _, receipt = file_through_page(client, enterprise=ent.uscc, attachments=[photo])
    _code, secret = receipt_codes(receipt)
    assert f'<span id="receipt-secret"><code class="big">{secret}</code></span>' in receipt
    assert re.search(
        r'<button type="button" class="secondary copy" data-copy="receipt-secret"[^>]*hidden',
        receipt,
    )
    assert re.search(r'<button type="button" id="print-receipt" hidden', receipt)
    assert re.search(r'<a href="http[^"]*/tipoffs/track">http[^<]*/tipoffs/track</a>', receipt)
    assert "兰州回执化工有限公司" in receipt and ent.uscc in receipt and "西固区合水路" in receipt
    assert "还剩 15 天" in receipt and "还剩 60 天" in receipt
    assert "12369" in receipt
    css = SITE_CSS.read_text("utf-8")
    assert ".receipt code.big { white-space: nowrap;" in css


def _close(session, code, *, substantiated=True):
    from credit.tipoffs.outcome import close_tipoff
    from credit.tipoffs.workflow import accept_tipoff
    from tests.factories import create_regulator

    regulator = create_regulator(session, "closer@example.cn")
    tipoff = session.scalar(select(TipOff).where(TipOff.tracking_code == code))
    accept_tipoff(session, regulator, tipoff.id)
    close_tipoff(
        session,
        regulator,
        tipoff.id,
        outcome="已责令停产整改。",
        substantiated=True,
        confirmed=True,
    )
    session.commit()


def test_tracking_shows_progress_days_left_enterprise_and_files(client, session):
    ent = create_enterprise(session, name="兰州进度化工有限公司", region_code="620100")
    session.commit()
    photo = (io.BytesIO(jpeg_with_gps()), "独特的文件名.jpg")
    _, receipt = file_through_page(client, enterprise=ent.uscc, attachments=[photo])
    code, secret = receipt_codes(receipt)
    text = track(client, code, secret).get_data(as_text=True)
    progress = re.search(r'<ol class="progress".*?</ol>', text, re.S).group(0)
    assert re.findall(r"<li[^>]*>([^<]+)", progress) == ["已接收", "已受理", "调查处理", "办结"]
    assert re.search(r'class="step-current" aria-current="step">已接收', progress)
    assert "还剩 15 天" in text and "兰州进度化工有限公司" in text
    assert "照片 1 · JPEG" in text and "独特的文件名" not in text  # by type, never by name
    assert "举报已收到，将在 15 日内作出是否受理的决定" in text and " / received" not in text
    _close(session, code)
    closed = track(client, code, secret).get_data(as_text=True)
    assert "办结日期" in closed and "办结期限" not in closed
    assert re.search(r'class="step-current" aria-current="step">办结', closed)


def test_tracking_in_english_translates_status_category_and_timeline(client, session):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    _close(session, code)
    token = csrf_token(client, "/tipoffs/track?lang=en")
    text = client.post(
        "/tipoffs/track?lang=en",
        data={"csrf_token": token, "code": code, "secret": secret},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    for english in ("Closed", "Air", "Report received", "Accepted for handling"):
        assert english in text, english
    assert "received; an acceptance decision follows within 15 days" in text
    for chinese in ("已办结", "大气", "收到举报", "决定受理", "举报已收到"):
        assert chinese not in text, chinese


def test_the_regulator_sees_the_typed_name_and_english_names(client, session):
    from tests.disclosure.conftest import login, make_regulator

    make_regulator(session, "typed@example.cn")
    file_through_page(client, enterprise="河边无名小作坊", region_code="620100")
    tipoff = _only_tipoff(session)
    login(client, "typed@example.cn")
    detail = client.get(f"/regulator/tipoffs/{tipoff.id}").get_data(as_text=True)
    assert "河边无名小作坊" in detail and "待核实" in detail
    queue = client.get("/regulator/tipoffs/").get_data(as_text=True)
    assert "河边无名小作坊" in queue
    english = client.get(f"/regulator/tipoffs/{tipoff.id}?lang=en").get_data(as_text=True)
    assert "Received" in english and "Air" in english and "Report received" in english
    assert "received; an acceptance decision follows" in english and "已接收" not in english
