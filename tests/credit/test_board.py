"""The message board's services: personal data held, moderation with reasons and audit,
public answers by office, overdue messages and monthly figures, region scope, referrals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.clock import today as china_today
from core.errors import Conflict, Forbidden, Invalid
from credit.board.config import BoardFileError, board_rules, parse_rules
from credit.board.models import BoardMessage
from credit.board.moderation import (
    answer_message,
    approve_message,
    moderation_queue,
    reject_message,
)
from credit.board.personal_data import personal_data
from credit.board.posting import MessageInput, post_message
from credit.board.public import list_published, published_message
from credit.board.referral import refer_to_case, refer_to_tipoff
from credit.board.reports import board_stats, overdue_messages
from credit.supervision.models import SupervisionCase
from credit.tipoffs.models import TipOff
from tests.disclosure.conftest import make_regulator

BODY = "小区附近的河道最近颜色发黑，想问一下今年的治理计划是什么时候开始？"
#: a Monday, so working days are easy to count
MONDAY = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def _post(session, body: str = BODY, **overrides):
    values = {
        "category": "question",
        "title": "河道治理计划",
        "body": body,
        "region_code": "620100",
    }
    now = overrides.pop("now", None)
    values.update(overrides)
    message = post_message(session, MessageInput(**values), now=now)
    session.commit()
    return message


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("我的电话 13912345678，请回电", ["phone"]),
        ("电话 139-1234-5678", ["phone"]),
        ("全角号码 １３９１２３４５６７８", ["phone"]),
        ("座机 0931-8888888 找王科长", ["phone"]),
        ("身份证 62010219800101123X 的人", ["id_card"]),
        ("写信到 someone@example.org 吧", ["email"]),
        ("2026 年 11 月排放 386mg/L，罚款 200000 元", []),
        ("统一社会信用代码 91620100MA12345678", []),
    ],
)
def test_personal_data_is_found_in_free_text(text, kinds):
    assert personal_data(text) == kinds


def test_a_post_with_a_phone_number_is_held_with_the_reason(session, app_context):
    message = _post(session, body=BODY + "联系我 13912345678")
    assert (message.status, message.held_reasons) == ("held", "phone")
    assert list_published(session)["total"] == 0


def test_a_post_with_an_id_card_number_is_held(session, app_context):
    message = _post(session, body=BODY + "我的身份证号是 620102198001011234")
    assert (message.status, message.held_reasons) == ("held", "id_card")


def test_a_clean_post_waits_for_a_moderator_and_is_not_public(session, app_context):
    message = _post(session)
    assert message.status == "pending"
    regulator = make_regulator(session, "mod@example.cn")
    assert [m.id for m in moderation_queue(session, regulator)] == [message.id]
    with pytest.raises(Exception, match="未找到留言"):
        published_message(session, message.id)


def test_bad_input_is_refused_with_field_errors_and_nothing_stored(session, app_context):
    with pytest.raises(Invalid) as refused:
        post_message(
            session, MessageInput(category="rant", title="x", body="短", region_code="999999")
        )
    assert set(refused.value.errors) == {"category", "title", "body", "region_code"}
    session.rollback()
    assert session.scalar(select(BoardMessage.id)) is None


def test_the_answer_deadline_counts_working_days_by_category(session, app_context):
    question = _post(session, now=MONDAY)
    suggestion = _post(session, category="suggestion", now=MONDAY)
    assert question.answer_due_on == dt.date(2026, 11, 9)  # 5 working days after Monday
    assert suggestion.answer_due_on == dt.date(2026, 11, 16)


def test_a_held_message_is_published_only_once_the_personal_data_is_removed(session, app_context):
    regulator = make_regulator(session, "mod@example.cn")
    message = _post(session, body=BODY + "联系我 13912345678")
    with pytest.raises(Invalid, match="个人信息"):
        approve_message(session, regulator, message.id)
    session.rollback()
    approve_message(session, regulator, message.id, body=BODY, note="删去电话")
    session.commit()
    assert message.status == "published" and "1391234" not in message.body
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "board.approve")).one()
    assert (event.actor, event.subject) == (f"user:{regulator.id}", f"message:{message.id}")
    assert event.detail == {"held": "phone", "edited": True}


def test_a_refusal_needs_a_reason_which_is_recorded_and_audited(session, app_context):
    regulator = make_regulator(session, "mod@example.cn")
    message = _post(session)
    with pytest.raises(Invalid):
        reject_message(session, regulator, message.id, reason="")
    session.rollback()
    reject_message(session, regulator, message.id, reason="辱骂他人")
    session.commit()
    assert (message.status, message.moderation_note) == ("rejected", "辱骂他人")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "board.reject")).one()
    assert event.detail == {"reason": "辱骂他人"}
    with pytest.raises(Conflict):
        approve_message(session, regulator, message.id)


def test_the_answer_appears_publicly_signed_by_the_office_only(session, app_context):
    regulator = make_regulator(session, "mod@example.cn")
    message = _post(session)
    approve_message(session, regulator, message.id)
    answer_message(
        session,
        regulator,
        message.id,
        answer="河道治理将于明年三月开工，届时将公示方案。",
        office="水生态环境科",
    )
    session.commit()
    view = published_message(session, message.id)
    assert (view["answer_office"], view["answered_on"]) == (
        "水生态环境科",
        china_today(),
    )
    assert not {"answered_by", "moderated_by", "moderation_note", "held_reasons"} & set(view)
    assert list_published(session, answered=True)["items"][0]["id"] == message.id
    with pytest.raises(Conflict):
        answer_message(
            session, regulator, message.id, answer="再答复一次不可以的。", office="水生态环境科"
        )


def test_an_answer_must_name_an_office_and_hold_no_personal_data(session, app_context):
    regulator = make_regulator(session, "mod@example.cn")
    message = _post(session)
    approve_message(session, regulator, message.id)
    with pytest.raises(Invalid):
        answer_message(
            session, regulator, message.id, answer="请致电 13912345678 咨询。", office="水科"
        )
    with pytest.raises(Invalid):
        answer_message(
            session, regulator, message.id, answer="河道治理将于明年三月开工。", office=""
        )


def test_a_regulator_of_another_region_cannot_moderate(session, app_context):
    other = make_regulator(session, "beijing@example.cn", region="110100")
    message = _post(session)
    assert moderation_queue(session, other) == []
    with pytest.raises(Forbidden):
        approve_message(session, other, message.id)
    with pytest.raises(Forbidden):
        reject_message(session, other, message.id, reason="不在辖区")


def test_overdue_messages_of_a_scope_with_how_late(session, app_context):
    regulator = make_regulator(session, "mod@example.cn")
    other = make_regulator(session, "beijing@example.cn", region="110100")
    late = _post(session, now=MONDAY)
    on_time = _post(session, now=MONDAY + dt.timedelta(days=7))
    today = dt.date(2026, 11, 12)
    rows = overdue_messages(session, regulator, today=today)
    assert [(r.id, r.days_late) for r in rows] == [(late.id, 3)]
    assert overdue_messages(session, other, today=today) == []
    assert [r.id for r in overdue_messages(session, "620000", today=today)] == [late.id]
    assert on_time.id not in {r.id for r in overdue_messages(session, "", today=today)}


def test_board_stats_counts_received_answered_on_time_and_three_month_failures(
    session, app_context
):
    regulator = make_regulator(session, "mod@example.cn")
    answered = _post(session, now=MONDAY)
    late_answer = _post(session, now=MONDAY)
    never = _post(session, now=MONDAY)
    refused = _post(session, now=MONDAY)
    for m in (answered, late_answer, never):
        approve_message(session, regulator, m.id)
    reject_message(session, regulator, refused.id, reason="重复留言")
    text = "已安排专人核实，将于本月内完成治理。"
    answer_message(session, regulator, answered.id, answer=text, office="水科", now=MONDAY)
    answer_message(
        session,
        regulator,
        late_answer.id,
        answer=text,
        office="水科",
        now=MONDAY + dt.timedelta(days=30),
    )
    session.commit()
    in_month = board_stats(session, "620100", "2026-11", today=dt.date(2026, 12, 1))
    assert in_month == {
        "received": 4,
        "valid": 3,
        "answered": 2,
        "on_time": 1,
        "overdue": 1,
        "failures": 0,
    }
    later = board_stats(session, "620000", "2026-11", today=dt.date(2027, 2, 3))
    assert later["failures"] == 1
    assert board_stats(session, "110100", "2026-11")["received"] == 0
    with pytest.raises(Invalid):
        board_stats(session, "", "2026-13")


def test_a_message_becomes_a_tipoff_and_a_case_with_the_link_kept(session, app_context):
    regulator = make_regulator(session, "mod@example.cn")
    message = _post(session)
    approve_message(session, regulator, message.id)
    tipoff = refer_to_tipoff(
        session, regulator, message.id, category="water", location="城关区河道"
    )
    case = refer_to_case(session, regulator, message.id, case_class="general")
    session.commit()
    assert (message.tipoff_id, message.case_id) == (tipoff.id, case.id)
    assert (
        session.get(TipOff, tipoff.id).anonymous
        and session.get(TipOff, tipoff.id).region_code == "620100"
    )
    assert session.get(SupervisionCase, case.id).description == message.body
    with pytest.raises(Conflict):
        refer_to_tipoff(session, regulator, message.id, category="water", location="城关区河道")
    assert published_message(session, message.id)["referred"] is True


def test_a_held_message_cannot_be_referred_with_its_personal_data(session, app_context):
    regulator = make_regulator(session, "mod@example.cn")
    message = _post(session, body=BODY + "13912345678")
    with pytest.raises(Conflict):
        refer_to_case(session, regulator, message.id, case_class="general")


def test_the_board_file_is_validated():
    assert set(board_rules().categories) == {"question", "suggestion", "criticism"}
    with pytest.raises(BoardFileError, match="workdays_to_answer"):
        parse_rules(
            "failure_months = 3\n"
            + "".join(
                f'[categories.{k}]\nzh = "x"\nen = "x"\nworkdays_to_answer = 0\n'
                for k in ("question", "suggestion", "criticism")
            )
        )
    with pytest.raises(BoardFileError, match="missing"):
        parse_rules(
            'failure_months = 3\n[categories.question]\nzh = "x"\nen = "x"\n'
            "workdays_to_answer = 5\n"
        )
