"""POST /api/v1/changes/ack (a partner's sync receipt) and the repair page's
"已同步至 N 个合作网站": a repair approval reaches an incremental mirror through /changes,
and the page counts the partners that acknowledged the change that carried it."""

from __future__ import annotations

import datetime as dt

import pytest

from core.changelog import record_change
from core.clock import today as china_today
from core.users import create_api_client, revoke_api_client
from credit.cases.account import apply_own_repair
from credit.cases.repairs import apply_for_repair, decide_repair
from tests.factories import create_enterprise, create_enterprise_user, create_penalty


def _key(app, session, name: str) -> dict[str, str]:
    return _keyed(app, session, name)[1]


def _keyed(app, session, name: str) -> tuple[int, dict[str, str]]:
    with app.app_context():
        client, key = create_api_client(session, name, ["read"])
    session.commit()
    return client.id, {"Authorization": f"Bearer {key}"}


def _changed_enterprise(session) -> None:
    ent = create_enterprise(session)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()


def _head(client) -> int:
    return client.get("/api/v1/changes?after=0&limit=1").json["last_seq"]


def test_ack_needs_a_key_a_whole_seq_and_a_seq_that_exists(app, client, session):
    _changed_enterprise(session)
    head = _head(client)
    assert head > 0
    assert client.post("/api/v1/changes/ack", json={"seq": head}).status_code == 401
    headers = _key(app, session, "信用甘肃")
    for bad in ({}, {"seq": "1"}, {"seq": -1}, {"seq": 1.5}, {"seq": "一"}):
        answer = client.post("/api/v1/changes/ack", json=bad, headers=headers)
        assert answer.status_code == 422, (bad, answer.json)
    beyond = client.post("/api/v1/changes/ack", json={"seq": head + 1}, headers=headers)
    assert beyond.status_code == 409
    assert beyond.json["last_seq"] == head and beyond.mimetype == "application/problem+json"
    assert str(head + 1) in beyond.json["detail"]


def test_ack_moves_forward_only_and_is_idempotent(app, client, session):
    for _ in range(3):
        _changed_enterprise(session)
    head = _head(client)
    headers = _key(app, session, "partner-a")
    first = client.post("/api/v1/changes/ack", json={"seq": head - 1}, headers=headers).json
    assert first["seq"] == head - 1 and first["advanced"] is True and first["last_seq"] == head
    again = client.post("/api/v1/changes/ack", json={"seq": head - 2}, headers=headers).json
    assert again == {**first, "advanced": False}  # an older seq changes nothing
    moved = client.post("/api/v1/changes/ack", json={"seq": head}, headers=headers).json
    assert moved["seq"] == head and moved["advanced"] is True
    repeat = client.post("/api/v1/changes/ack", json={"seq": head}, headers=headers)
    assert repeat.json["advanced"] is False and repeat.headers["Cache-Control"] == "no-store"


def _approved_repair(app, session, regulator, origin: str = "public") -> str:
    """A repair applied for on the public form or from the enterprise's account, approved."""
    ent = create_enterprise(session, region_code="620102")
    penalty = create_penalty(
        session, ent, decision_date=china_today() - dt.timedelta(days=120), severity="general"
    )
    session.commit()
    texts = {
        "reason": "已整改完毕，设施运行正常。",
        "commitment": "守法承诺",
        "contact": "环保部 0931-0000000",
        "today": china_today(),
    }
    with app.app_context():
        if origin == "account":
            filer = create_enterprise_user(
                session, ent, email="filer@example.cn", name="企业填报员"
            )
            application = apply_own_repair(session, filer, penalty.id, **texts)
            assert application.filed_by == filer.id
        else:
            application = apply_for_repair(session, penalty, **texts)
        session.commit()
        decide_repair(
            session, regulator, application.id, approve=True, note=None, today=china_today()
        )
        session.commit()
    return application.reference


def _step(text: str, key: str) -> str:
    """One step of the case page's list of steps (empty when it is not there)."""
    steps = text.split('id="case-steps"')[1].split("</ol>")[0]
    return steps.split(f'data-step="{key}"')[1].split("</li>")[0] if key in steps else ""


@pytest.mark.parametrize(("lang", "origin"), [("zh-CN", "account"), ("en", "public")])
def test_the_repair_page_counts_partners_that_acknowledged_the_change(
    app, client, session, regulator, lang, origin
):
    reference = _approved_repair(app, session, regulator, origin)
    page = f"/cases/{reference}?lang={lang}"
    text = client.get(page).get_data(as_text=True)
    none_yet = "已同步至 0 个合作网站" if lang == "zh-CN" else "Partner sites synced: 0"
    assert none_yet in text
    # each step with its date: filed, decided, published to the feed; synced not yet
    for key in ("filed", "decided", "published"):
        assert "<time datetime=" in _step(text, key), key
    assert none_yet in _step(text, "synced") and "<time" not in _step(text, "synced")

    a = _key(app, session, "信用兰州")
    b = _key(app, session, "partner-b")
    revoked, revoked_headers = _keyed(app, session, "partner-revoked")
    # an incremental mirror reads the feed and finds the repaired penalty in it
    feed = client.get("/api/v1/changes?after=0&limit=1000", headers=a).json
    repaired = [c for c in feed["changes"] if c["entity"] == "penalty"]
    assert repaired and repaired[-1]["op"] == "delete"  # a repaired penalty stops showing
    carried = repaired[-1]["seq"]
    # partner a acknowledged past it, b only up to the change before it
    client.post("/api/v1/changes/ack", json={"seq": feed["last_seq"]}, headers=a)
    client.post("/api/v1/changes/ack", json={"seq": carried - 1}, headers=b)
    client.post("/api/v1/changes/ack", json={"seq": feed["last_seq"]}, headers=revoked_headers)
    with app.app_context():
        revoke_api_client(session, revoked, "user:test")
    session.commit()
    text = client.get(page).get_data(as_text=True)
    one = "已同步至 1 个合作网站" if lang == "zh-CN" else "Partner sites synced: 1"
    assert one in text and "信用兰州" in text
    seq = f"（序号 {carried}）" if lang == "zh-CN" else f"(seq {carried})"
    assert seq in _step(text, "published")
    assert one in _step(text, "synced") and "<time datetime=" in _step(text, "synced")
    assert "partner-b" not in text and "partner-revoked" not in text
    client.post("/api/v1/changes/ack", json={"seq": carried}, headers=b)
    text = client.get(page).get_data(as_text=True)
    assert ("已同步至 2 个合作网站" if lang == "zh-CN" else "Partner sites synced: 2") in text


def test_a_pending_repair_has_no_sync_line(app, client, session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=china_today() - dt.timedelta(days=120))
    session.commit()
    with app.app_context():
        application = apply_for_repair(
            session,
            penalty,
            reason="已整改完毕。",
            commitment="守法承诺",
            contact="0931-0000000",
            today=china_today(),
        )
    session.commit()
    text = client.get(f"/cases/{application.reference}").get_data(as_text=True)
    assert "处理中" in text and "合作网站" not in text
