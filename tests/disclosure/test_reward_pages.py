"""Reward pages: the regulator's propose → approve → pay with a confirmation step that a
crafted POST cannot skip, /regulator/rewards, and the reporter's tracking page (status,
the payment-details form) — the payment details never appear on a public page or the API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from credit.rewards.models import Reward, RewardPayee
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.outcome import close_tipoff
from credit.tipoffs.workflow import accept_tipoff, classify_tipoff, start_investigation
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.factories import create_enterprise
from tests.language_check import language_problems

NAME, ID_NUMBER, ACCOUNT, BANK = "钱领奖R4", "620102198503171232", "6222020200998877665", "农业银行"
REPORTER = "孙实名K2"


@pytest.fixture
def case(app, session, regulator):
    """A named report against an enterprise, closed as substantiated (severity 较大)."""
    ent = create_enterprise(session, name="兰州有奖举报测试化工有限公司")
    with app.app_context():
        filed = file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="化工厂夜间排放刺鼻黑烟很严重",
                location="西固区",
                enterprise=ent.uscc,
                anonymous=False,
                reporter_name=REPORTER,
                reporter_phone="13900001111",
            ),
        )
        tid = filed.tipoff.id
        accept_tipoff(session, regulator, tid)
        classify_tipoff(session, regulator, tid, severity="major")
        start_investigation(session, regulator, tid)
        close_tipoff(
            session,
            regulator,
            tid,
            outcome="查实超标排放，已立案处罚",
            substantiated=True,
            confirmed=True,
        )
    session.commit()
    return filed, ent


def _step(client, tid, step, **fields):
    """The two POSTs of a step: the confirmation page, then its confirm button."""
    token = csrf_token(client, f"/regulator/tipoffs/{tid}")
    first = client.post(
        f"/regulator/tipoffs/{tid}/reward/{step}", data={"csrf_token": token, **fields}
    )
    assert first.status_code == 200, first.status_code
    page = first.get_data(as_text=True)
    confirm = re.search(r'name="confirm_token" value="([^"]+)"', page)
    assert confirm, page
    return page, client.post(
        f"/regulator/tipoffs/{tid}/reward/{step}",
        data={"csrf_token": token, "confirm_token": confirm.group(1)},
    )


def _track(client, filed, **data):
    token = csrf_token(client, "/tipoffs/track")
    return client.post(
        "/tipoffs/track",
        data={"csrf_token": token, "code": filed.tracking_code, "secret": filed.secret, **data},
    )


def _status(session, tid):
    session.rollback()  # a fresh snapshot: the pages committed in their own sessions
    return session.scalar(select(Reward.status).where(Reward.tipoff_id == tid))


def test_the_whole_reward_through_the_pages(app, session, regulator, case):
    filed, ent = case
    tid = filed.tipoff.id
    second = make_regulator(session, "approver@example.cn")
    proposer, approver, reporter = app.test_client(), app.test_client(), app.test_client()
    login(proposer, regulator.email)
    login(approver, second.email)

    detail = proposer.get(f"/regulator/tipoffs/{tid}").get_data(as_text=True)
    assert f'action="/regulator/tipoffs/{tid}/reward/propose"' in detail and "3000" in detail
    page, done = _step(proposer, tid, "propose", outcome="penalised")
    assert "行政处罚" in page and "3000" in page
    assert done.status_code == 303 and _status(session, tid) == "proposed"

    # the proposer is offered no approval; a crafted approval through both steps is refused
    detail = proposer.get(f"/regulator/tipoffs/{tid}").get_data(as_text=True)
    assert "reward/approve" not in detail and "双人复核" in detail
    _page, refused = _step(proposer, tid, "approve")
    assert refused.status_code == 403 and _status(session, tid) == "proposed"

    # the second officer's list, then approval
    queue = approver.get("/regulator/rewards").get_data(as_text=True)
    assert filed.tracking_code in queue and "3000" in queue
    assert filed.tracking_code not in proposer.get("/regulator/rewards").get_data(as_text=True)
    _page, done = _step(approver, tid, "approve", note="证据充分")
    assert done.status_code == 303 and _status(session, tid) == "approved"

    # the reporter sees the approval and gives the payment details (a typo first)
    page = _track(reporter, filed).get_data(as_text=True)
    assert "已批准" in page and "3000 元" in page and 'value="reward_claim"' in page
    bad = _track(
        reporter,
        filed,
        action="reward_claim",
        payee_name=NAME,
        id_number="620102198503171233",
        method="bank",
        bank_name=BANK,
        account=ACCOUNT,
    )
    assert bad.status_code == 422 and "身份证号码格式不正确" in bad.get_data(as_text=True)
    assert "620102198503171233" not in bad.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(RewardPayee.id)) is None
    good = _track(
        reporter,
        filed,
        action="reward_claim",
        payee_name=NAME,
        id_number=ID_NUMBER,
        method="bank",
        bank_name=BANK,
        account=ACCOUNT,
    )
    page = good.get_data(as_text=True)
    assert good.status_code == 200 and "领取信息已提交" in page
    assert NAME not in page and ID_NUMBER not in page and ACCOUNT not in page

    # the handling officers see the details; payment through both steps
    detail = approver.get(f"/regulator/tipoffs/{tid}").get_data(as_text=True)
    assert NAME in detail and ID_NUMBER in detail and ACCOUNT in detail
    # another officer of the region, not handling this report, is told only that they exist
    colleague = app.test_client()
    session.rollback()
    login(colleague, make_regulator(session, "colleague@example.cn").email)
    detail = colleague.get(f"/regulator/tipoffs/{tid}").get_data(as_text=True)
    assert "举报人已提交领取信息" in detail
    assert NAME not in detail and ID_NUMBER not in detail and ACCOUNT not in detail
    assert "待举报人提交" not in approver.get("/regulator/rewards").get_data(as_text=True)
    _page, done = _step(approver, tid, "pay", reference="GK-2026-0042")
    assert done.status_code == 303 and _status(session, tid) == "paid"
    assert "已发放" in _track_zh(reporter, filed)

    # nowhere public: pages, the status API, the change feed, feeds; nor the audit details
    public = app.test_client()
    texts = [_track_zh(public, filed)]
    api = public.get(
        f"/api/v1/tipoffs/{filed.tracking_code}", headers={"X-Tipoff-Secret": filed.secret}
    )
    assert api.status_code == 200
    texts.append(api.get_data(as_text=True))
    for path in (
        f"/enterprises/{ent.uscc}",
        "/stats",
        "/api/v1/changes",
        f"/api/v1/enterprises/{ent.uscc}",
        "/feeds/penalties.atom",
    ):
        texts.append(public.get(path).get_data(as_text=True))
    session.rollback()
    texts += [str(e.detail) for e in session.scalars(select(AuditEvent))]
    for text in texts:
        for secret in (NAME, ID_NUMBER, ACCOUNT, REPORTER):
            assert secret not in text


#: what people typed stays in their language on an English page
TYPED = (
    "西固区",
    "兰州有奖举报测试化工有限公司",
    "化工厂夜间排放",
    "查实超标排放",
    "举报人系企业员工",
)


def _problems(html: str) -> list[str]:
    return [p for p in language_problems(html, "en") if not any(t in p for t in TYPED)]


def _track_zh(client, filed) -> str:
    return _track(client, filed).get_data(as_text=True)


def test_a_crafted_post_cannot_skip_the_confirmation(app, client, session, regulator, case):
    filed, _ = case
    tid = filed.tipoff.id
    login(client, regulator.email)
    token = csrf_token(client, f"/regulator/tipoffs/{tid}")
    url = f"/regulator/tipoffs/{tid}/reward/propose"
    forged = client.post(
        url, data={"csrf_token": token, "outcome": "penalised", "confirm_token": "forged"}
    )
    assert forged.status_code == 303 and _status(session, tid) is None
    first = client.post(url, data={"csrf_token": token, "outcome": "rectified"})
    assert first.status_code == 200 and _status(session, tid) is None  # only the confirmation
    # a token for another step does not work either
    _page, done = _step(client, tid, "propose", outcome="rectified")
    assert done.status_code == 303, done.get_data(as_text=True)
    assert _status(session, tid) == "proposed"
    page = client.post(url, data={"csrf_token": token, "outcome": "penalised"}).get_data(
        as_text=True
    )
    confirm = re.search(r'name="confirm_token" value="([^"]+)"', page).group(1)
    wrong_step = client.post(
        f"/regulator/tipoffs/{tid}/reward/pay",
        data={"csrf_token": token, "confirm_token": confirm},
    )
    assert wrong_step.status_code == 303
    assert session.scalar(select(Reward.payment_reference)) is None


def test_decline_reason_and_english_on_the_tracking_page(app, client, session, regulator, case):
    filed, _ = case
    tid = filed.tipoff.id
    second = make_regulator(session, "decider@example.cn")
    login(client, regulator.email)
    _step(client, tid, "propose", outcome="rectified", amount="500", reason="部分属实")
    other = app.test_client()
    login(other, second.email)
    _page, done = _step(other, tid, "decline", reason="举报人系企业员工，依规不予奖励")
    assert done.status_code == 303 and _status(session, tid) == "declined"
    reporter = app.test_client()
    page = _track_zh(reporter, filed)
    assert "不予奖励" in page and "举报人系企业员工，依规不予奖励" in page
    assert 'value="reward_claim"' not in page
    token = csrf_token(reporter, "/tipoffs/track?lang=en")
    english = reporter.post(
        "/tipoffs/track?lang=en",
        data={"csrf_token": token, "code": filed.tracking_code, "secret": filed.secret},
    ).get_data(as_text=True)
    assert "No reward" in english
    assert not _problems(english)


def test_the_claim_form_speaks_english(app, client, session, regulator, case):
    filed, _ = case
    tid = filed.tipoff.id
    second = make_regulator(session, "approver2@example.cn")
    login(client, regulator.email)
    _step(client, tid, "propose", outcome="transferred")
    other = app.test_client()
    login(other, second.email)
    _step(other, tid, "approve")
    other.get("/regulator/rewards")  # shows the (Chinese) flash of the approval
    queue = other.get("/regulator/rewards?lang=en").get_data(as_text=True)
    assert not language_problems(queue, "en")
    detail = other.get(f"/regulator/tipoffs/{tid}?lang=en").get_data(as_text=True)
    assert "Approved" in detail
    reporter = app.test_client()
    token = csrf_token(reporter, "/tipoffs/track?lang=en")
    english = reporter.post(
        "/tipoffs/track?lang=en",
        data={"csrf_token": token, "code": filed.tracking_code, "secret": filed.secret},
    ).get_data(as_text=True)
    assert "5000" in english and 'value="reward_claim"' in english
    assert not _problems(english)
