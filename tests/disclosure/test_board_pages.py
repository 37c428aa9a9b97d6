"""The message board's pages: posting (CSRF, spam trap, rate limit), the moderation hold for
personal data, approving and answering through the regulator pages, overdue messages on
the regulator page, region scope and login."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from credit.board.models import BoardMessage
from credit.board.posting import MessageInput, post_message
from tests.disclosure.conftest import csrf_token, login, make_regulator

BODY = "小区附近的河道最近颜色发黑，想问一下今年的治理计划是什么时候开始？"
PHONE = "13912345678"


def _post(client, **overrides):
    token = csrf_token(client, "/board/new")
    data = {
        "csrf_token": token,
        "category": "question",
        "region_code": "620100",
        "title": "河道治理计划",
        "body": BODY,
        "display_name": "城关居民",
    }
    data.update(overrides)
    return client.post("/board/new", data=data)


def _act(client, message_id: int, action: str, **data):
    token = csrf_token(client, f"/regulator/board/{message_id}")
    return client.post(
        f"/regulator/board/{message_id}/{action}", data={"csrf_token": token, **data}
    )


def _only_message(session) -> BoardMessage:
    session.rollback()  # a fresh read, after the requests' commits
    return session.scalars(select(BoardMessage)).one()


def test_a_post_with_a_phone_number_is_held_and_not_shown(client, session, regulator):
    response = _post(client, body=f"{BODY}请打我电话 {PHONE}")
    assert response.status_code == 303 and "posted=1" in response.headers["Location"]
    board = client.get("/board?posted=1").get_data(as_text=True)
    assert "经审核后公开" in board and PHONE not in board and "河道治理计划" not in board
    message = _only_message(session)
    assert (message.status, message.held_reasons) == ("held", "phone")
    assert client.get(f"/board/{message.id}").status_code == 404
    login(client, regulator.email)
    queue = client.get("/regulator/board/").get_data(as_text=True)
    assert "暂缓：含个人信息" in queue and "电话号码" in queue


def test_a_post_without_the_csrf_token_is_refused(client, session):
    response = client.post(
        "/board/new",
        data={"category": "question", "region_code": "620100", "title": "标题四字", "body": BODY},
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(BoardMessage)) == 0


def test_a_bad_post_keeps_what_was_typed_and_stores_nothing(client, session):
    response = _post(client, body="太短", category="")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "留言内容须为 10–2000 字" in text
    assert "城关居民" in text
    assert _post(client, website="http://spam").status_code == 400
    assert session.scalar(select(func.count()).select_from(BoardMessage)) == 0


def test_posting_is_rate_limited_per_address(app, client, session):
    app.config["BOARD_RATE_LIMIT"] = "2 per hour"
    assert _post(client).status_code == 303
    assert _post(client).status_code == 303
    refused = _post(client, title="第三条留言标题")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "第三条留言标题" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(BoardMessage)) == 2


def test_moderated_and_answered_through_the_pages_the_answer_is_public(client, session, regulator):
    _post(client, body=f"{BODY}电话 {PHONE}")
    message_id = _only_message(session).id
    login(client, regulator.email)
    refused = _act(client, message_id, "approve")
    assert refused.status_code == 303
    assert "仍含有个人信息" in client.get(f"/regulator/board/{message_id}").get_data(as_text=True)
    assert _act(client, message_id, "approve", body=BODY, title="河道治理计划").status_code == 303
    answer = "河道治理将于明年三月开工，届时将公示施工方案。"
    assert (
        _act(client, message_id, "answer", answer=answer, office="水生态环境科").status_code == 303
    )
    page = client.get(f"/board/{message_id}").get_data(as_text=True)
    assert answer in page and "水生态环境科" in page and PHONE not in page
    assert regulator.name not in page and regulator.email not in page
    board = client.get("/board").get_data(as_text=True)
    assert answer in board and "城关居民" in board


def test_a_refusal_through_the_page_needs_a_reason(client, session, regulator):
    _post(client)
    message_id = _only_message(session).id
    login(client, regulator.email)
    _act(client, message_id, "reject", reason="")
    assert _only_message(session).status == "pending"
    _act(client, message_id, "reject", reason="与环境监管无关")
    message = _only_message(session)
    assert (message.status, message.moderation_note) == ("rejected", "与环境监管无关")
    assert "与环境监管无关" not in client.get("/board").get_data(as_text=True)


def test_an_overdue_message_shows_on_the_regulator_page(app, client, session, regulator):
    with app.app_context():
        late = post_message(
            session,
            MessageInput("suggestion", "建议增加监测点", BODY, "620100"),
            now=dt.datetime.now(dt.UTC) - dt.timedelta(days=40),
        )
        session.commit()
    login(client, regulator.email)
    page = client.get("/regulator/board/").get_data(as_text=True)
    overdue = page.split('id="overdue"', 1)[1].split('id="answer"', 1)[0]
    assert "建议增加监测点" in overdue and re.search(r"超期 \d+ 天", overdue)
    assert f"/regulator/board/{late.id}" in overdue
    workbench = client.get("/regulator/").get_data(as_text=True)
    assert 'id="board-overdue"' in workbench and f"/regulator/board/{late.id}" in workbench


def test_a_regulator_of_another_region_gets_403(client, session):
    _post(client)
    message_id = _only_message(session).id
    outsider = make_regulator(session, "beijing@example.cn", region="110100")
    login(client, outsider.email)
    assert client.get(f"/regulator/board/{message_id}").status_code == 403
    token = csrf_token(client, "/regulator/board/")
    response = client.post(f"/regulator/board/{message_id}/approve", data={"csrf_token": token})
    assert response.status_code == 403
    assert "河道治理计划" not in client.get("/regulator/board/").get_data(as_text=True)
    assert _only_message(session).status == "pending"


def test_the_regulator_pages_need_a_login_and_the_csrf_token(client, session, regulator):
    response = client.get("/regulator/board/")
    assert response.status_code == 302 and "/regulator/login" in response.headers["Location"]
    _post(client)
    message_id = _only_message(session).id
    login(client, regulator.email)
    assert client.post(f"/regulator/board/{message_id}/approve").status_code == 400
    assert _only_message(session).status == "pending"


def test_staff_turn_a_message_into_a_tipoff_with_the_link_kept(client, session, regulator):
    _post(client)
    message_id = _only_message(session).id
    login(client, regulator.email)
    _act(client, message_id, "tipoff", category="water", location="城关区雁滩河道")
    message = _only_message(session)
    assert message.tipoff_id is not None
    detail = client.get(f"/regulator/board/{message_id}").get_data(as_text=True)
    assert f"/regulator/tipoffs/{message.tipoff_id}" in detail


def test_odd_input_is_a_clear_error_never_a_500(client, session, regulator):
    # a NUL byte is refused by the request guard (core.guards) before the view
    assert _post(client, body=BODY + "\x00").status_code == 400
    for fields in (
        {"title": "标" * 5000},
        {"region_code": "99999999999999"},
        {"category": "<script>"},
        {"display_name": "名" * 41},
    ):
        response = _post(client, **fields)
        assert response.status_code == 422, fields
    assert client.get("/board?page=-1").status_code == 200
    assert client.get("/board?page=abc").status_code == 200
    assert client.get("/board/99999999999").status_code == 404
    assert client.get("/board/0").status_code == 404
    login(client, regulator.email)
    token = csrf_token(client, "/regulator/board/")
    assert client.post("/regulator/board/1/nothing", data={"csrf_token": token}).status_code == 404
    assert client.post("/regulator/board/7/approve", data={"csrf_token": token}).status_code == 404
    assert session.scalar(select(func.count()).select_from(BoardMessage)) == 0
