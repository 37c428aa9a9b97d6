"""Transfer pages: the two-step form on a tip-off's page (the confirmation cannot be skipped or
altered by a crafted POST), /regulator/transfers with acknowledgement (403 outside scope), and
what the reporter then reads on the tracking page and in the API (no officer names)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from credit.transfers.models import TipoffTransfer
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.disclosure.test_tipoffs import track
from tests.language_check import language_problems

NAME, PHONE = "甄举报人P9", "13912345670"
REASON = "污染源位于嘉峪关市境内，应由属地办理"


@pytest.fixture
def filed(app, session):
    """A named report in 兰州 and regulators of 兰州 (sender), 嘉峪关 (receiver), 北京."""
    people = {
        key: make_regulator(session, f"{key}@example.cn", region)
        for key, region in (("lanzhou", "620100"), ("jyg", "620200"), ("beijing", "110100"))
    }
    with app.app_context():
        result = file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="化工厂夜间排放刺鼻黑烟很严重",
                location="西固区",
                region_code="620100",
                anonymous=False,
                reporter_name=NAME,
                reporter_phone=PHONE,
            ),
        )
    session.commit()
    return {"filed": result, "id": result.tipoff.id, **people}


def _client(app, email):
    client = app.test_client()
    login(client, email)
    return client


def _preview(client, tipoff_id, **data):
    token = csrf_token(client, f"/regulator/tipoffs/{tipoff_id}")
    form = {"csrf_token": token, "target_kind": "region", "region_code": "620200", "reason": REASON}
    return client.post(f"/regulator/transfers/new/{tipoff_id}", data={**form, **data})


def _confirm_token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, page[:3000]
    return match.group(1)


def _count(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(TipoffTransfer)) or 0


def _transfer(app, session, filed):
    sender = _client(app, "lanzhou@example.cn")
    page = _preview(sender, filed["id"]).get_data(as_text=True)
    csrf = csrf_token(sender, "/regulator/transfers/")
    done = sender.post(
        "/regulator/transfers/confirm", data={"csrf_token": csrf, "token": _confirm_token(page)}
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:2000]
    session.rollback()
    return sender, session.scalar(select(TipoffTransfer))


def test_the_form_checks_then_confirms_and_only_the_confirmation_stores(app, session, filed):
    sender = _client(app, "lanzhou@example.cn")
    detail = sender.get(f"/regulator/tipoffs/{filed['id']}").get_data(as_text=True)
    assert f'action="/regulator/transfers/new/{filed["id"]}"' in detail
    assert "市住建局" in detail  # the agencies list
    preview = _preview(sender, filed["id"])
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "确认移送" in page and "嘉峪关市" in page
    assert REASON in page and filed["filed"].tipoff.due_at.isoformat() in page
    assert _count(session) == 0
    csrf = csrf_token(sender, "/regulator/transfers/")
    done = sender.post(
        "/regulator/transfers/confirm", data={"csrf_token": csrf, "token": _confirm_token(page)}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith(
        f"/regulator/tipoffs/{filed['id']}"
    )
    assert _count(session) == 1
    after = sender.get(f"/regulator/tipoffs/{filed['id']}").get_data(as_text=True)
    assert "等待签收" in after and f'action="/regulator/transfers/new/{filed["id"]}"' not in after


def test_a_crafted_confirmation_stores_nothing(app, session, filed):
    sender = _client(app, "lanzhou@example.cn")
    page = _preview(sender, filed["id"]).get_data(as_text=True)
    good = _confirm_token(page)
    csrf = csrf_token(sender, "/regulator/transfers/")
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    for token in ("", "x", forged):
        answer = sender.post(
            "/regulator/transfers/confirm", data={"csrf_token": csrf, "token": token}
        )
        assert answer.status_code == 303 and answer.headers["Location"].endswith(
            "/regulator/transfers/"
        )
    assert "移送确认已失效" in sender.get("/regulator/transfers/").get_data(as_text=True)
    # another officer cannot replay the sender's confirmation
    other = _client(app, "jyg@example.cn")
    other_csrf = csrf_token(other, "/regulator/transfers/")
    other.post("/regulator/transfers/confirm", data={"csrf_token": other_csrf, "token": good})
    assert _count(session) == 0


def test_bad_input_on_the_form_is_shown_and_nothing_is_stored(app, session, filed):
    sender = _client(app, "lanzhou@example.cn")
    answer = _preview(sender, filed["id"], reason=f"请联系 {PHONE}")
    assert answer.status_code == 303
    page = sender.get(answer.headers["Location"]).get_data(as_text=True)
    assert "移送原因将向举报人公开" in page
    answer = _preview(sender, filed["id"], target_kind="grid", grid_code="NO-SUCH")
    assert "未找到网格" in sender.get(answer.headers["Location"]).get_data(as_text=True)
    assert _count(session) == 0
    outsider = _client(app, "beijing@example.cn")
    assert _preview(outsider, filed["id"]).status_code == 403


def test_the_receiver_acknowledges_from_the_list_and_outsiders_get_403(app, session, filed):
    _sender, transfer = _transfer(app, session, filed)
    outsider = _client(app, "beijing@example.cn")
    assert "JB-" not in outsider.get("/regulator/transfers/").get_data(as_text=True)
    csrf = csrf_token(outsider, "/regulator/transfers/")
    refused = outsider.post(
        f"/regulator/transfers/{transfer.id}/acknowledge", data={"csrf_token": csrf}
    )
    assert refused.status_code == 403
    receiver = _client(app, "jyg@example.cn")
    listing = receiver.get("/regulator/transfers/").get_data(as_text=True)
    assert filed["filed"].tracking_code in listing and REASON in listing
    assert NAME not in listing and PHONE not in listing  # identity only once it is theirs
    assert receiver.get(f"/regulator/tipoffs/{filed['id']}").status_code == 403
    csrf = csrf_token(receiver, "/regulator/transfers/")
    done = receiver.post(
        f"/regulator/transfers/{transfer.id}/acknowledge", data={"csrf_token": csrf}
    )
    assert done.status_code == 303
    detail = receiver.get(done.headers["Location"])
    assert detail.status_code == 200 and "已签收" in detail.get_data(as_text=True)
    session.rollback()
    assert session.get(TipOff, filed["id"]).region_code == "620200"


def test_the_reporter_sees_where_it_went_and_the_deadline_in_page_and_api(app, session, filed):
    _sender, transfer = _transfer(app, session, filed)
    code, secret = filed["filed"].tracking_code, filed["filed"].secret
    due = filed["filed"].tipoff.due_at.isoformat()
    reporter = app.test_client()
    page = track(reporter, code, secret).get_data(as_text=True)
    assert f"已移送至 嘉峪关市（原因：{REASON}）" in page and due in page
    english = csrf_token(reporter, "/tipoffs/track?lang=en")
    english = reporter.post(
        "/tipoffs/track?lang=en",
        data={"csrf_token": english, "code": code, "secret": secret},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    timeline = english.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert "Transferred to" in timeline and language_problems(timeline, "en") == []
    api = reporter.get(f"/api/v1/tipoffs/{code}", headers={"X-Tipoff-Secret": secret})
    body = api.get_json()
    assert body["due_at"] == due
    steps = [e for e in body["timeline"] if e["kind"] == "transferred"]
    assert steps and steps[0]["note"].startswith(f"已移送至 嘉峪关市（原因：{REASON}）")
    assert steps[0]["actor"] == "regulator"
    for text in (page, api.get_data(as_text=True)):
        assert "lanzhou" not in text and f"user:{transfer.transferred_by}" not in text


def test_the_pages_have_english(app, session, filed):
    sender = _client(app, "lanzhou@example.cn")
    token = csrf_token(sender, f"/regulator/tipoffs/{filed['id']}?lang=en")
    page = sender.post(
        f"/regulator/transfers/new/{filed['id']}?lang=en",
        data={
            "csrf_token": token,
            "target_kind": "agency",
            "agency": "市住建局",
            "reason": "施工噪声",
        },
    ).get_data(as_text=True)
    assert "Confirm the transfer" in page and "City Housing and Construction Bureau" in page
    assert language_problems(page, "en") == []
    _done, _transfer_row = _transfer(app, session, filed)
    receiver = _client(app, "jyg@example.cn")
    for client, path in (
        (receiver, "/regulator/transfers/"),
        (sender, "/regulator/transfers/"),
        (sender, f"/regulator/tipoffs/{filed['id']}"),
    ):
        for lang in ("en", "zh-CN"):
            html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            if "/tipoffs/" in path:  # the report's page: only its transfer section is ours
                html = html.split('<section aria-labelledby="transfer-h">')[1].split("</section>")[
                    0
                ]
            assert language_problems(html, lang) == [], (path, lang)
    listing = receiver.get("/regulator/transfers/?lang=en").get_data(as_text=True)
    assert (
        "Awaiting my acknowledgement" in listing and '<span lang="zh-CN">嘉峪关市</span>' in listing
    )


def test_the_sender_withdraws_from_the_report_page(app, session, filed):
    sender, transfer = _transfer(app, session, filed)
    page = sender.get(f"/regulator/tipoffs/{filed['id']}").get_data(as_text=True)
    assert f'action="/regulator/transfers/{transfer.id}/withdraw"' in page
    receiver = _client(app, "jyg@example.cn")
    csrf = csrf_token(receiver, "/regulator/transfers/")
    refused = receiver.post(
        f"/regulator/transfers/{transfer.id}/withdraw", data={"csrf_token": csrf}
    )
    assert refused.status_code == 403
    csrf = csrf_token(sender, f"/regulator/tipoffs/{filed['id']}")
    done = sender.post(f"/regulator/transfers/{transfer.id}/withdraw", data={"csrf_token": csrf})
    assert done.status_code == 303
    after = sender.get(done.headers["Location"]).get_data(as_text=True)
    assert "已撤回移送。" in after and f'action="/regulator/transfers/new/{filed["id"]}"' in after
    session.rollback()
    assert session.get(TipoffTransfer, transfer.id).withdrawn_at is not None
