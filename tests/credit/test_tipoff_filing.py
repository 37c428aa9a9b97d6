"""credit.tipoffs: where a report goes (a polluter not in the registry, routed by place), the
uploads kept while a refused form is corrected, messages in both languages, the vocabulary's
English and the tracking view's progress."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.errors import Invalid
from core.messages import Msg, in_language
from credit.tipoffs import pending
from credit.tipoffs.attachments import PreparedFile
from credit.tipoffs.filing import (
    FormRefused,
    TipOffInput,
    enterprise_label,
    file_tipoff,
    file_with_uploads,
    match_enterprise,
)
from credit.tipoffs.models import Attachment, TipOff
from credit.tipoffs.timeline import as_message
from credit.tipoffs.tracking import progress
from credit.tipoffs.vocabulary import (
    CATEGORY_HELP,
    CATEGORY_NAMES,
    ENGLISH,
    EVENT_NAMES,
    PROGRESS,
    SEVERITY_NAMES,
    STATUS_NAMES,
    named,
)
from tests.factories import create_enterprise

BASE = {"category": "air", "description": "夜间烟囱冒黑烟，气味刺鼻。", "location": "某地"}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 30)).save(out, "JPEG")
    return out.getvalue()


def test_every_vocabulary_name_has_its_english():
    for names in (CATEGORY_NAMES, SEVERITY_NAMES, STATUS_NAMES, EVENT_NAMES, dict(PROGRESS)):
        for name in names.values():
            assert ENGLISH.get(name), name
            assert in_language(named(name), "en") == ENGLISH[name]
            assert in_language(named(name), "zh-CN") == name
    assert set(CATEGORY_HELP) == set(CATEGORY_NAMES)
    assert named(None) is None


def test_a_uscc_inside_the_text_finds_its_enterprise(app_context, session):
    ent = create_enterprise(session, name="兰州匹配化工有限公司")
    assert match_enterprise(session, f"兰州匹配化工有限公司（{ent.uscc}）") == (ent, "found")
    assert match_enterprise(session, ent.uscc.lower()) == (ent, "found")
    assert match_enterprise(session, "没有这家") == (None, "unknown")
    assert enterprise_label(session, ent.uscc) == f"兰州匹配化工有限公司（{ent.uscc}）"
    assert enterprise_label(session, "not a uscc") == "not a uscc"


@pytest.mark.parametrize(
    ("changes", "placement", "region"),
    [
        ({"enterprise": "无名作坊", "region_code": "620100"}, "placed", "620100"),
        ({"enterprise": "无名作坊", "location": "兰州市西固区河滩"}, "placed", "620104"),
        ({"enterprise": "无名作坊", "latitude": "36.1", "longitude": "103.8"}, "placed", "620102"),
        ({"latitude": "36.1", "longitude": "103.8"}, "placed", "620102"),
        ({"latitude": "30.0", "longitude": "125.0"}, "unplaced", None),  # at sea: no county
        ({"location": "兰州市西固区河滩"}, "placed", "620104"),
    ],
)
def test_a_report_goes_where_its_place_says(app_context, session, changes, placement, region):
    filed = file_tipoff(session, TipOffInput(**{**BASE, **changes}))
    assert (filed.tipoff.placement, filed.tipoff.region_code) == (placement, region)
    assert filed.tipoff.enterprise_name == changes.get("enterprise")
    assert filed.tipoff.enterprise_id is None


def test_unplaced_reports_wait_in_the_triage_region_when_one_is_configured(app_context, session):
    data = TipOffInput(**BASE, latitude="30.0", longitude="125.0", triage_code="620000")
    tipoff = file_tipoff(session, data).tipoff
    assert (tipoff.placement, tipoff.region_code) == ("unplaced", "620000")


def test_without_region_place_or_enterprise_the_refusal_says_what_to_add(app_context, session):
    create_enterprise(session, name="永昌铝业甲有限公司")
    create_enterprise(session, name="永昌铝业乙有限公司")
    for enterprise, field, words in (
        ("无名作坊", "enterprise", "请选择所在地区或填写经纬度"),
        ("永昌铝业", "enterprise", "统一社会信用代码，或选择所在地区"),
        (None, "region_code", "填写经纬度"),
    ):
        with pytest.raises(Invalid) as info:
            file_tipoff(session, TipOffInput(**BASE, enterprise=enterprise))
        (message,) = info.value.errors[field]
        assert isinstance(message, Msg) and words in message.zh and message.en != message.zh
        assert str(message) == f"{message.zh} / {message.en}"  # what the API shows
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0


def _prepared(name: str = "p.jpg") -> PreparedFile:
    return PreparedFile(name, "image/jpeg", "jpg", _jpeg())


def test_kept_files_come_back_once_and_their_folder_goes_after_the_commit(tmp_path, session):
    upload_dir = str(tmp_path)
    token = pending.keep(upload_dir, None, [_prepared("a.jpg"), _prepared("b.jpg")])
    assert token and len(token) == 32
    assert [k.filename for k in pending.kept(upload_dir, token)] == ["a.jpg", "b.jpg"]
    assert pending.keep(upload_dir, token, [], drop=[0]) == token
    assert [(k.index, k.filename) for k in pending.kept(upload_dir, token)] == [(0, "b.jpg")]
    files = pending.take(upload_dir, session, token)
    assert [f.filename for f in files] == ["b.jpg"] and files[0].data == _jpeg()
    session.rollback()  # the filing failed: the files stay kept
    assert pending.kept(upload_dir, token)
    pending.take(upload_dir, session, token)
    session.commit()
    assert pending.kept(upload_dir, token) == [] and not (tmp_path / "pending" / token).exists()
    assert pending.keep(upload_dir, None, []) is None  # nothing to keep: no folder, no token


def test_tokens_must_look_right_and_old_folders_are_swept(tmp_path, session):
    upload_dir = str(tmp_path)
    token = pending.keep(upload_dir, None, [_prepared()])
    for bad in ("../" + token, token + "x", "", None, 42):
        assert pending.kept(upload_dir, bad) == []  # type: ignore[arg-type]
    assert pending.sweep(upload_dir, now=time.time() + (pending.PENDING_MINUTES - 1) * 60) == 0
    assert pending.sweep(upload_dir, now=time.time() + (pending.PENDING_MINUTES + 1) * 60) == 1
    assert pending.kept(upload_dir, token) == []


def test_a_refused_form_keeps_its_files_and_the_corrected_one_attaches_them(
    app, app_context, session, tmp_path
):
    upload_dir = str(tmp_path)
    with pytest.raises(FormRefused) as info:
        file_with_uploads(
            session,
            TipOffInput(**{**BASE, "description": "短"}, region_code="620100"),
            lambda: [("河边.jpg", _jpeg())],
            upload_dir=upload_dir,
        )
    refused = info.value
    assert "description" in refused.errors and [k.filename for k in refused.kept] == ["河边.jpg"]
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0
    filed = file_with_uploads(
        session,
        TipOffInput(**BASE, region_code="620100"),
        lambda: [],
        upload_dir=upload_dir,
        pending=refused.token,
    )
    session.commit()
    (attachment,) = session.scalars(
        select(Attachment).where(Attachment.tipoff_id == filed.tipoff.id)
    ).all()
    assert attachment.filename == "河边.jpg"
    assert pending.kept(upload_dir, refused.token) == []


def test_system_notes_come_back_in_both_languages_and_own_words_as_typed():
    note = as_message(
        "举报已收到，将在 15 日内作出是否受理的决定 / received; an acceptance decision"
    )
    assert isinstance(note, Msg) and in_language(note, "en").startswith("received;")
    assert as_message("河边 / 桥下都有排污口") == "河边 / 桥下都有排污口"
    assert as_message("已责令整改") == "已责令整改" and as_message(None) is None


def test_progress_marks_the_current_step():
    assert [s["state"] for s in progress("received")] == ["current", "todo", "todo", "todo"]
    assert [s["state"] for s in progress("investigating")] == ["done", "done", "current", "todo"]
    assert [s["state"] for s in progress("closed")] == ["done", "done", "done", "current"]
    rejected = progress("rejected")
    assert [s["key"] for s in rejected] == ["received", "rejected"]
    assert rejected[-1]["state"] == "current"
