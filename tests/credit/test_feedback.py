"""The closure questionnaire (回访): asked once a report is closed, answered once with the China
date; "not resolved" reopens within the window; the /stats rates by region with a minimum
sample; the message board's figures by region."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.errors import Conflict, Invalid, NotFound
from credit.board.moderation import answer_message, approve_message
from credit.board.posting import MessageInput, post_message
from credit.tipoffs.feedback import questionnaire_link
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOffEvent, TipOffFeedback
from credit.tipoffs.outcome import close_tipoff, decide_reopen, mark_duplicate
from credit.tipoffs.questionnaire import answer_questionnaire
from credit.tipoffs.satisfaction import public_statistics
from credit.tipoffs.tracking import request_reopen, track
from credit.tipoffs.vocabulary import REOPEN_DAYS
from credit.tipoffs.workflow import accept_tipoff, reject_tipoff
from tests.disclosure.conftest import make_regulator
from tests.factories import ensure_reference

#: 2026-11-02 10:00 in Beijing
FILED = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
#: 2026-11-20 18:00 UTC = 2026-11-21 02:00 in Beijing
CLOSED = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _in_app(app_context):
    """Secrets are keyed hashes with the app's key: services run in its context."""


def _file(session, region="620100", now=FILED, description="化工厂夜间排放刺鼻黑烟很严重"):
    ensure_reference(session, region)
    data = TipOffInput(
        category="air", description=description, location="西固区", region_code=region
    )
    return file_tipoff(session, data, now=now)


def _closed(session, user, *, region="620100", accepted=FILED, closed=CLOSED):
    filed = _file(session, region)
    accept_tipoff(session, user, filed.tipoff.id, now=accepted)
    close_tipoff(
        session,
        user,
        filed.tipoff.id,
        outcome="查实并责令整改",
        substantiated=True,
        now=closed,
        confirmed=True,
    )
    return filed


def _answer(session, filed, *, resolved="yes", satisfaction="5", comment=None, now=None):
    return answer_questionnaire(
        session,
        filed.tracking_code,
        filed.secret,
        resolved=resolved,
        satisfaction=satisfaction,
        comment=comment,
        now=now or CLOSED + dt.timedelta(hours=1),
    )


def _count(session, model=TipOffFeedback):
    return session.scalar(select(func.count()).select_from(model))


def test_a_closed_report_is_asked_once_and_the_answer_keeps_the_china_date(session, regulator):
    filed = _closed(session, regulator)
    today = dt.date(2026, 11, 21)
    view = track(session, filed.tracking_code, filed.secret, today)
    assert view["questionnaire"]["ask"] and view["questionnaire"]["window_open"]
    assert view["questionnaire"]["reopen_by"] == today + dt.timedelta(days=REOPEN_DAYS)
    comment = "处理及时，谢谢 王先生 13912345678"
    answered = _answer(session, filed, satisfaction="4", comment=comment)
    assert answered.outcome is None and answered.feedback.answered_on == dt.date(2026, 11, 21)
    assert answered.feedback.comment.startswith("处理及时")
    with pytest.raises(Conflict):  # one answer, never changed
        _answer(session, filed, resolved="no", satisfaction="1")
    assert _count(session) == 1
    state = track(session, filed.tracking_code, filed.secret, today)["questionnaire"]
    assert not state["ask"] and state["answer"]["satisfaction"] == 4
    assert "comment" not in state["answer"]  # for the office, not even echoed to the reporter
    session.commit()  # the audit entry is written at commit
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "tipoff.feedback")).one()
    assert "13912345678" not in str(audit.detail) and "处理及时" not in str(audit.detail)


def test_an_open_report_is_not_asked_and_cannot_be_answered(session, regulator):
    filed = _file(session)
    accept_tipoff(session, regulator, filed.tipoff.id, now=FILED)
    assert not track(session, filed.tracking_code, filed.secret)["questionnaire"]["ask"]
    with pytest.raises(Conflict):
        _answer(session, filed)
    rejected = _file(session, description="另一件举报：夜间噪声扰民很严重")
    reject_tipoff(
        session, regulator, rejected.tipoff.id, reason="不属于环保部门职责", confirmed=True
    )
    with pytest.raises(Conflict):  # the questionnaire follows a closure, not a refusal
        _answer(session, rejected)
    assert _count(session) == 0


def test_not_resolved_within_the_window_asks_to_reopen_through_the_existing_request(
    session, regulator
):
    filed = _closed(session, regulator)
    answered = _answer(
        session,
        filed,
        resolved="no",
        satisfaction="2",
        comment="仍在排放",
        now=CLOSED + dt.timedelta(days=REOPEN_DAYS),
    )
    assert answered.outcome == "reopen" and answered.feedback.reopen_requested
    assert filed.tipoff.reopen_requested_at is not None
    event = session.scalars(
        select(TipOffEvent).where(
            TipOffEvent.tipoff_id == filed.tipoff.id, TipOffEvent.kind == "reopen_requested"
        )
    ).one()
    assert event.actor == "reporter" and event.public_note.startswith("回访问卷：问题未解决")
    assert "仍在排放" not in event.public_note  # the comment stays with the office
    view = track(session, filed.tracking_code, filed.secret)
    assert view["reopen_requested"] and not view["may_reopen"]
    decide_reopen(session, regulator, filed.tipoff.id, reopen=True, note="重新调查")
    assert filed.tipoff.status == "investigating"


def test_not_resolved_after_the_window_is_recorded_and_says_the_window_passed(session, regulator):
    filed = _closed(session, regulator)
    late = CLOSED + dt.timedelta(days=REOPEN_DAYS + 1)
    answered = _answer(session, filed, resolved="no", satisfaction="1", now=late)
    assert answered.outcome == "window_passed" and not answered.feedback.reopen_requested
    assert filed.tipoff.reopen_requested_at is None and _count(session) == 1
    with pytest.raises(Conflict):  # the reopen form keeps the same window
        request_reopen(session, filed.tracking_code, filed.secret, "问题仍然存在", now=late)
    view = track(session, filed.tracking_code, filed.secret, dt.date(2026, 12, 22))  # China
    assert not view["may_reopen"] and not view["questionnaire"]["window_open"]


def test_not_resolved_with_a_reopen_request_waiting_makes_no_second_one(session, regulator):
    filed = _closed(session, regulator)
    request_reopen(session, filed.tracking_code, filed.secret, "整改后仍在夜间排放")
    answered = _answer(session, filed, resolved="no", satisfaction="2")
    assert answered.outcome == "pending" and not answered.feedback.reopen_requested
    kinds = session.scalars(
        select(TipOffEvent.kind).where(TipOffEvent.tipoff_id == filed.tipoff.id)
    ).all()
    assert kinds.count("reopen_requested") == 1


@pytest.mark.parametrize(
    ("resolved", "satisfaction", "comment", "field"),
    [
        ("maybe", "5", None, "resolved"),
        (None, "5", None, "resolved"),
        ("yes", "6", None, "satisfaction"),
        ("yes", "0", None, "satisfaction"),
        ("yes", "", None, "satisfaction"),
        ("yes", "-1", None, "satisfaction"),
        ("yes", True, None, "satisfaction"),
        ("yes", "5", "长" * 2001, "comment"),
        ("yes", "5", "含\x00字符", "comment"),
    ],
)
def test_bad_answers_are_refused_by_field_and_nothing_is_stored(
    session, regulator, resolved, satisfaction, comment, field
):
    filed = _closed(session, regulator)
    with pytest.raises(Invalid) as refused:
        _answer(session, filed, resolved=resolved, satisfaction=satisfaction, comment=comment)
    assert field in refused.value.errors
    assert _count(session) == 0 and filed.tipoff.reopen_requested_at is None


def test_a_wrong_secret_is_not_found(session, regulator):
    filed = _closed(session, regulator)
    with pytest.raises(NotFound):
        answer_questionnaire(
            session, filed.tracking_code, "AAAA-BBBB-CCCC-DDDD", resolved="yes", satisfaction="5"
        )


def test_a_merged_report_is_asked_once_its_original_is_closed(session, regulator):
    original = _file(session)
    merged = _file(session, description="同一家工厂又在冒黑烟，气味很大")
    mark_duplicate(
        session, regulator, merged.tipoff.id, original=original.tracking_code, confirmed=True
    )
    with pytest.raises(Conflict):  # merged, but the case is still open
        _answer(session, merged)
    accept_tipoff(session, regulator, original.tipoff.id, now=FILED)
    close_tipoff(
        session,
        regulator,
        original.tipoff.id,
        outcome="查实",
        substantiated=True,
        now=CLOSED,
        confirmed=True,
    )
    assert track(session, merged.tracking_code, merged.secret)["questionnaire"]["ask"]
    assert _answer(session, merged).feedback.tipoff_id == merged.tipoff.id


def test_the_link_a_closing_mail_carries_fills_in_the_code_only(app, session, regulator):
    filed = _closed(session, regulator)
    app.config["PUBLIC_BASE_URL"] = "https://credit.example.gov.cn"
    link = questionnaire_link(filed.tracking_code)
    assert link == f"https://credit.example.gov.cn/tipoffs/track?code={filed.tracking_code}"
    assert filed.secret not in link


def _answered_in(session, user, region, scores, resolved=None):
    """One closed report per score in ``region``, each answered in November."""
    for i, score in enumerate(scores):
        filed = _closed(session, user, region=region)
        ok = "yes" if resolved is None or i < resolved else "no"
        _answer(session, filed, resolved=ok, satisfaction=str(score))


def test_rates_need_the_minimum_sample_and_only_regions_with_it_are_ranked(session):
    lanzhou = make_regulator(session, "lz@example.cn", "620100")
    jiayuguan = make_regulator(session, "jyg@example.cn", "620200")
    # 兰州: 10 answers, 8 satisfied (5 or 4), 9 resolved; 嘉峪关: 3 answers, all very satisfied
    _answered_in(session, lanzhou, "620100", [5, 5, 5, 4, 4, 4, 4, 4, 3, 1], resolved=9)
    _answered_in(session, jiayuguan, "620200", [5, 5, 5])
    late = _file(session)  # accepted after its 15-day acceptance deadline
    accept_tipoff(session, lanzhou, late.tipoff.id, now=FILED + dt.timedelta(days=20))
    session.commit()
    stats = public_statistics(session, "2026-11", dt.date(2026, 12, 1), sample=10)
    rows = {r["region_code"]: r for r in stats["quality"]["by_region"]}
    lz, jyg = rows["620100"], rows["620200"]
    assert (lz["answers"], lz["satisfied"], lz["resolved"]) == (10, 8, 9)
    assert lz["satisfaction_rate"] == 0.8 and lz["resolved_rate"] == 0.9 and lz["rank"] == 1
    assert lz["decided"] == 11 and lz["accepted_on_time"] == 10
    assert lz["accept_on_time_rate"] == round(10 / 11, 4)
    assert lz["closed"] == 10 and lz["close_on_time_rate"] == 1.0
    assert jyg["answers"] == 3 and jyg["satisfaction_rate"] is None and jyg["rank"] is None
    assert not jyg["satisfaction_sample_ok"] and jyg["close_on_time_rate"] is None
    assert lz["province_name"] == "甘肃省" and jyg["region_name"] == "嘉峪关市"
    totals = stats["quality"]
    assert totals["answers"] == 13 and totals["satisfaction_rate"] == round(11 / 13, 4)
    # a smaller minimum ranks both; 嘉峪关's 100 % comes first
    small = public_statistics(session, "2026-11", dt.date(2026, 12, 1), sample=3)
    ranks = {r["region_code"]: r["rank"] for r in small["quality"]["by_region"]}
    assert ranks == {"620100": 2, "620200": 1} and small["min_sample"] == 3
    # another month counts nothing of November's
    december = public_statistics(session, "2026-12", dt.date(2026, 12, 1), sample=3)
    assert december["quality"]["answers"] == 0 and december["quality"]["by_region"] == []


def test_equal_rates_share_a_rank_and_the_minimum_comes_from_the_configuration(
    app, session, regulator
):
    other = make_regulator(session, "jyg@example.cn", "620200")
    _answered_in(session, regulator, "620100", [5, 1])
    _answered_in(session, other, "620200", [4, 2])
    session.commit()
    app.config["STATS_MIN_SAMPLE"] = 2
    stats = public_statistics(session, "2026-11", dt.date(2026, 12, 1))
    assert stats["min_sample"] == 2
    assert [r["rank"] for r in stats["quality"]["by_region"]] == [1, 1]
    app.config["STATS_MIN_SAMPLE"] = 3
    stats = public_statistics(session, "2026-11", dt.date(2026, 12, 1))
    assert [r["rank"] for r in stats["quality"]["by_region"]] == [None, None]


def test_a_refusal_counts_as_an_acceptance_decision_once(session, regulator):
    refused = _file(session)
    reject_tipoff(
        session,
        regulator,
        refused.tipoff.id,
        reason="不属于环保部门职责",
        now=FILED,
        confirmed=True,
    )
    session.commit()
    stats = public_statistics(session, "2026-11", dt.date(2026, 12, 1), sample=1)
    row = stats["quality"]["by_region"][0]
    assert (row["decided"], row["accepted_on_time"], row["accept_on_time_rate"]) == (1, 1, 1.0)


MONDAY = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def _message(session, region, now=MONDAY):
    ensure_reference(session, region)
    return post_message(
        session,
        MessageInput(
            category="question",
            title="河道治理计划",
            body="小区附近的河道最近颜色发黑，想问一下今年的治理计划是什么时候开始？",
            region_code=region,
        ),
        now=now,
    )


def test_the_board_figures_by_region_count_on_time_overdue_and_failures(session):
    moderator = make_regulator(session, "mod@example.cn", "620000")
    answered, overdue = _message(session, "620100"), _message(session, "620102")
    never = _message(session, "620200")
    for m in (answered, overdue, never):
        approve_message(session, moderator, m.id)
    text = "已安排专人核实，将于本月内完成治理。"
    answer_message(session, moderator, answered.id, answer=text, office="水科", now=MONDAY)
    session.commit()
    stats = public_statistics(session, "2026-11", dt.date(2027, 2, 3), sample=1)
    board = stats["board"]
    assert (board["received"], board["answered"], board["on_time"]) == (3, 1, 1)
    assert board["overdue"] == 2 and board["failures"] == 2 and board["failure_months"] == 3
    rows = {r["region_code"]: r for r in board["by_region"]}
    assert set(rows) == {"620100", "620200"}  # 城关区 counts under 兰州市
    assert rows["620100"]["received"] == 2 and rows["620100"]["failures"] == 1
    assert rows["620200"]["overdue"] == 1 and rows["620200"]["province_name"] == "甘肃省"
