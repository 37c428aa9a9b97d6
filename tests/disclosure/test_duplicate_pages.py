"""Duplicates in the browser: the "is this the same?" step while filing (no JavaScript:
plain forms), and the regulator's flags, the merge and its confirmation step."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from credit.notify.models import Subscription
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import Attachment, TipOff, TipOffEvent
from tests.disclosure.conftest import csrf_token, login
from tests.disclosure.test_tipoffs import form_data, jpeg_with_gps, receipt_codes, track
from tests.factories import create_enterprise

POINT = {"latitude": "36.061", "longitude": "103.834"}
FIRST = "西固区合水路化工厂每天晚上十点以后烟囱冒黄烟，气味刺鼻，窗户都不敢开。"
NAME, PHONE = "钱举报人K4", "13711112222"


def _count(session) -> int:
    session.rollback()  # a fresh snapshot
    return session.scalar(select(func.count()).select_from(TipOff))


def _existing(app, session, **overrides) -> TipOff:
    values = {"category": "air", "description": FIRST, "location": "合水路北口", **POINT}
    values.update(overrides)
    with app.app_context():
        filed = file_tipoff(session, TipOffInput(**values))
    session.commit()
    return filed.tipoff


def _state(session, tipoff_id: int) -> tuple[int | None, str]:
    """A report's merge target and status, read afresh."""
    row = session.execute(
        select(TipOff.duplicate_of_id, TipOff.status).where(TipOff.id == tipoff_id)
    ).one()
    return row[0], row[1]


def _hidden(page: str) -> dict[str, str]:
    """The hidden fields of the second step's form, as a browser would send them back."""
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page))


def _post(client, data, files=None):
    body = dict(data)
    if files:
        body["attachments"] = files
    return client.post("/tipoffs/new", data=body, content_type="multipart/form-data")


def test_a_report_nearby_is_shown_before_filing_and_not_the_same_files_anyway(app, client, session):
    existing = _existing(app, session)
    first = _post(
        client,
        form_data(client, description="化工厂晚上冒黄烟，很刺鼻。", location="合水路", **POINT),
    )
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "是否为同一件事" in page
    assert existing.tracking_code in page
    assert FIRST not in page and "合水路北口" not in page  # the other report's words stay private
    assert "这是同一件事：补充信息 / 关注" in page and "不是同一件事，继续提交" in page
    assert 'name="duplicate_choice" value="new"' in page  # plain buttons: works without JS
    assert first.headers["Cache-Control"] == "no-store"
    assert _count(session) == 1  # nothing stored yet
    again = _post(client, {**_hidden(page), "duplicate_choice": "new"})
    assert again.status_code == 303
    receipt = client.get(again.headers["Location"]).get_data(as_text=True)
    code, secret = receipt_codes(receipt)
    assert _count(session) == 2
    tipoff = session.scalar(select(TipOff).where(TipOff.tracking_code == code))
    assert tipoff.description == "化工厂晚上冒黄烟，很刺鼻。"
    assert track(client, code, secret).status_code == 200


def test_without_a_report_nearby_the_form_files_at_once(app, client, session):
    _existing(app, session, latitude="36.3", longitude="103.5")
    response = _post(client, form_data(client, **POINT))
    assert response.status_code == 303
    assert _count(session) == 2


def test_the_same_adds_information_and_follows_without_a_new_report(app, client, session):
    ent = create_enterprise(session, name="兰州重复测试化工有限公司")
    session.commit()
    existing = _existing(app, session, enterprise=ent.uscc, latitude="36.2", longitude="103.9")
    data = form_data(
        client,
        description="这家化工厂夜里排黄烟，我住在厂东侧的楼上，每晚都能闻到。",
        enterprise=ent.uscc,
        identity="named",
        reporter_name=NAME,
        reporter_phone=PHONE,
        **POINT,
    )
    page = _post(client, data, files=[(io.BytesIO(jpeg_with_gps()), "a.jpg")])
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and existing.tracking_code in text
    assert "同一企业" in text
    assert "已保留 1 个附件" in text
    hidden = _hidden(text)
    assert hidden.get("pending")
    done = _post(
        client,
        {
            **hidden,
            "duplicate_choice": "same",
            "duplicate_of": existing.tracking_code,
            "follow_email": "neighbour@example.org",
        },
    )
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "补充信息已提交" in body, body[:3000]
    assert ent.name in body  # following it, once confirmed
    assert _count(session) == 1
    event = session.scalars(
        select(TipOffEvent).where(
            TipOffEvent.tipoff_id == existing.id, TipOffEvent.kind == "reporter_info"
        )
    ).one()
    assert "厂东侧" in event.internal_note and NAME not in event.internal_note
    assert PHONE not in event.internal_note
    assert (
        session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.tipoff_id == existing.id)
        )
        == 1
    )
    assert session.scalars(select(Subscription)).one().target_code == ent.uscc


def test_the_same_with_a_report_not_suggested_is_refused(app, client, session):
    existing = _existing(app, session)
    far = _existing(app, session, latitude="36.4", longitude="103.4")
    page = _post(client, form_data(client, **POINT)).get_data(as_text=True)
    refused = _post(
        client, {**_hidden(page), "duplicate_choice": "same", "duplicate_of": far.tracking_code}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请从列出的举报中选择一件" in text
    assert existing.tracking_code in text  # the choice is shown again
    assert (
        session.scalar(
            select(func.count()).select_from(TipOffEvent).where(TipOffEvent.kind == "reporter_info")
        )
        == 0
    )


def test_the_second_step_page_in_english(app, client, session):
    _existing(app, session)
    page = client.post(
        "/tipoffs/new?lang=en",
        data=form_data(client, **POINT),
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Is this the same problem?" in page
    assert "Not the same problem, file my report" in page


# -- the regulator's side -----------------------------------------------------------------


def test_flags_on_the_queue_and_a_merge_confirmed_in_a_second_step(app, client, session, regulator):
    primary = _existing(app, session)
    second = _existing(
        app,
        session,
        description="合水路那家化工厂晚上偷偷排黄烟，味道很刺鼻。",
        latitude="36.0612",
        longitude="103.8342",
    )
    unrelated = _existing(
        app, session, description="河边有人电鱼毒鱼，河里漂着很多死鱼。", category="ecology"
    )
    login(client, regulator.email)
    queue = client.get("/regulator/tipoffs/").get_data(as_text=True)
    assert "可能重复（1）" in queue
    detail = client.get(f"/regulator/tipoffs/{primary.id}").get_data(as_text=True)
    assert "可能重复的举报（1）" in detail and second.tracking_code in detail
    assert unrelated.tracking_code not in detail.split('id="likely-h"')[1].split("</section>")[0]
    assert "相距约" in detail and "描述相似度" in detail
    token = csrf_token(client, f"/regulator/tipoffs/{primary.id}")
    step = client.post(
        f"/regulator/tipoffs/{primary.id}/merge",
        data={"csrf_token": token, "others": [str(second.id)]},
    )
    confirm_page = step.get_data(as_text=True)
    assert step.status_code == 200 and "确认合并" in confirm_page
    session.rollback()  # a fresh snapshot
    assert _state(session, second.id) == (None, "received")  # the first step stores nothing
    crafted = client.post(
        f"/regulator/tipoffs/{primary.id}/merge/confirm",
        data={"csrf_token": token, "others": [str(second.id)], "confirm": "x" * 64},
    )
    assert crafted.status_code == 303
    session.rollback()  # a fresh snapshot
    assert _state(session, second.id) == (None, "received")
    flashed = client.get(f"/regulator/tipoffs/{primary.id}").get_data(as_text=True)
    assert "合并须先确认" in flashed
    confirm = re.search(r'name="confirm" value="([0-9a-f]+)"', confirm_page).group(1)
    done = client.post(
        f"/regulator/tipoffs/{primary.id}/merge/confirm",
        data={"csrf_token": token, "others": [str(second.id)], "confirm": confirm},
    )
    assert done.status_code == 303
    flashes = client.get(f"/regulator/tipoffs/{primary.id}").get_data(as_text=True)
    assert "已合并 1 件举报" in flashes, re.findall(r'class="flash[^"]*"[^<]*<[^<]*', flashes)
    session.rollback()  # a fresh snapshot
    assert _state(session, second.id) == (primary.id, "closed")
    after = client.get(f"/regulator/tipoffs/{primary.id}").get_data(as_text=True)
    assert "合并进来的举报" in after and second.tracking_code in after


def test_the_merge_is_403_outside_the_region(app, client, session):
    from tests.disclosure.conftest import make_regulator

    outsider = make_regulator(session, "dup-outsider@example.org", region="620500")
    primary = _existing(app, session)
    second = _existing(app, session)
    login(client, outsider.email)
    token = csrf_token(client, "/regulator/tipoffs/")
    response = client.post(
        f"/regulator/tipoffs/{primary.id}/merge",
        data={"csrf_token": token, "others": [str(second.id)]},
    )
    assert response.status_code == 403


def test_not_the_same_problem_removes_the_flag(app, client, session, regulator):
    primary = _existing(app, session)
    second = _existing(app, session)
    login(client, regulator.email)
    detail = client.get(f"/regulator/tipoffs/{primary.id}").get_data(as_text=True)
    assert f'form="not-dup-{second.id}"' in detail
    token = csrf_token(client, f"/regulator/tipoffs/{primary.id}")
    done = client.post(
        f"/regulator/tipoffs/{primary.id}/not-duplicate",
        data={"csrf_token": token, "other": str(second.id)},
    )
    assert done.status_code == 303
    after = client.get(f"/regulator/tipoffs/{primary.id}").get_data(as_text=True)
    assert "已标记为不是同一问题" in after and "可能重复的举报" not in after
    assert "可能重复（" not in client.get("/regulator/tipoffs/").get_data(as_text=True)
