"""The closure questionnaire on the tracking page, and the satisfaction, on-time and message
board figures on /stats and GET /api/v1/stats/tipoffs (both languages, phone markup)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from core.clock import today as china_today
from core.db import utcnow
from credit.tipoffs.codes import normalize_code
from credit.tipoffs.models import TipOff, TipOffEvent, TipOffFeedback
from credit.tipoffs.outcome import close_tipoff
from credit.tipoffs.workflow import accept_tipoff
from tests.disclosure.conftest import csrf_token, make_regulator
from tests.disclosure.test_tipoffs import file_through_page, receipt_codes, track
from tests.language_check import language_problems

COMMENT = "处理人员态度很好 王先生 13912345678"


def closed_report(app, client, session, regulator, *, closed_at=None):
    """A report filed through the form and closed by ``regulator``: (code, secret)."""
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    tipoff = session.scalar(select(TipOff).where(TipOff.tracking_code == normalize_code(code)))
    with app.app_context():
        accept_tipoff(session, regulator, tipoff.id)
        close_tipoff(
            session,
            regulator,
            tipoff.id,
            outcome="查实超标排放，已责令整改",
            substantiated=True,
            now=closed_at,
            confirmed=True,
        )
    session.commit()
    return code, secret


def _feedback(client, code, secret, query="", **fields):
    token = csrf_token(client, "/tipoffs/track")
    data = {"csrf_token": token, "code": code, "secret": secret, "action": "feedback", **fields}
    return client.post("/tipoffs/track" + query, data=data)


def _stored(session):
    session.expire_all()
    return session.scalars(select(TipOffFeedback)).all()


def test_a_closed_report_shows_the_questionnaire_and_takes_one_answer(
    app, client, session, regulator
):
    code, secret = closed_report(app, client, session, regulator)
    page = track(client, code, secret).get_data(as_text=True)
    assert "回访问卷" in page and 'name="satisfaction" value="5"' in page
    assert all(name in page for name in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"))
    assert 'name="resolved" value="yes"' in page and 'name="resolved" value="no"' in page
    done = _feedback(client, code, secret, resolved="yes", satisfaction="4", comment=COMMENT)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "感谢您的评价。" in text
    assert 'name="satisfaction"' not in text and "问题已解决 · 满意" in text
    assert COMMENT not in text and "13912345678" not in text  # the comment is for the office
    assert done.headers["Cache-Control"] == "no-store"
    again = _feedback(client, code, secret, resolved="no", satisfaction="1")
    assert again.status_code == 422 and "只能评价一次" in again.get_data(as_text=True)
    [answer] = _stored(session)
    assert (answer.resolved, answer.satisfaction, answer.comment) == (True, 4, COMMENT)
    assert answer.answered_on == china_today()


def test_an_open_report_shows_no_questionnaire_and_a_crafted_answer_is_refused(client, session):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    assert "回访问卷" not in track(client, code, secret).get_data(as_text=True)
    refused = _feedback(client, code, secret, resolved="yes", satisfaction="5")
    assert refused.status_code == 422 and "办结后才能填写" in refused.get_data(as_text=True)
    assert _stored(session) == []


def test_not_resolved_asks_to_reopen_and_hides_the_reopen_form(app, client, session, regulator):
    code, secret = closed_report(app, client, session, regulator)
    done = _feedback(client, code, secret, resolved="no", satisfaction="2", comment=COMMENT)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "已为您申请重新处理" in text
    assert "回访问卷：问题未解决，申请重新处理" in text  # the timeline's step
    assert 'value="reopen"' not in text and "您已申请重新处理" in text
    assert COMMENT not in text
    session.expire_all()
    tipoff = session.scalar(select(TipOff).where(TipOff.tracking_code == normalize_code(code)))
    assert tipoff.reopen_requested_at is not None
    kinds = session.scalars(select(TipOffEvent.kind).where(TipOffEvent.tipoff_id == tipoff.id))
    assert list(kinds).count("reopen_requested") == 1


def test_after_the_window_the_answer_is_recorded_and_the_page_says_so(
    app, client, session, regulator
):
    long_ago = utcnow() - dt.timedelta(days=40)
    code, secret = closed_report(app, client, session, regulator, closed_at=long_ago)
    page = track(client, code, secret).get_data(as_text=True)
    assert "选择“未解决”只记录您的评价" in page and 'value="reopen"' not in page
    assert "申请重新处理的期限（办结后 30 日内）已过" in page
    done = _feedback(client, code, secret, resolved="no", satisfaction="1")
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "已超过申请重新处理的期限" in text
    [answer] = _stored(session)
    assert not answer.resolved and not answer.reopen_requested
    assert session.scalar(select(TipOff.reopen_requested_at)) is None


def test_bad_answers_name_the_field_and_store_nothing(app, client, session, regulator):
    code, secret = closed_report(app, client, session, regulator)
    for fields, label in (
        ({"satisfaction": "5"}, "问题是否解决"),
        ({"resolved": "yes", "satisfaction": "9"}, "满意度"),
        ({"resolved": "yes", "satisfaction": "5", "comment": "长" * 2001}, "意见和建议"),
    ):
        refused = _feedback(client, code, secret, **fields)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and 'id="error-summary"' in text
        assert label in text and "回访问卷" in text  # the form is shown again
    assert _stored(session) == []


def test_a_post_without_the_csrf_token_is_refused(app, client, session, regulator):
    code, secret = closed_report(app, client, session, regulator)
    data = {"code": code, "secret": secret, "action": "feedback", "resolved": "yes"}
    refused = client.post("/tipoffs/track", data={**data, "satisfaction": "5"})
    assert refused.status_code == 400 and _stored(session) == []


def test_the_mail_link_fills_in_the_code_and_never_the_secret(client):
    page = client.get("/tipoffs/track?code=JB-7K3M9-QX2WD").get_data(as_text=True)
    assert 'value="JB-7K3M9-QX2WD"' in page
    assert re.search(r'<input id="secret"[^>]*>', page).group(0).count("value=") == 0


def _section(html: str, lang: str) -> str:
    """The questionnaire's part of the tracking page (the rest shows what the reporter and
    the office typed, in their language), as a page of its own for the language check."""
    part = html[html.index('<h2 id="questionnaire">') :]
    part = part[: part.index("<h2>", 10)]
    return f'<html lang="{lang}"><body>{part}</body></html>'


def test_the_questionnaire_speaks_one_language(app, client, session, regulator):
    code, secret = closed_report(app, client, session, regulator)
    for lang in ("zh-CN", "en"):
        token = csrf_token(client, "/tipoffs/track")
        data = {"csrf_token": token, "code": code, "secret": secret}
        html = client.post(f"/tipoffs/track?lang={lang}", data=data).get_data(as_text=True)
        assert language_problems(_section(html, lang), lang) == []
    en = _feedback(client, code, secret, "?lang=en", resolved="yes", satisfaction="5")
    text = en.get_data(as_text=True)
    assert "Thank you for your answer." in text and "Very satisfied" in text
    assert language_problems(_section(text, "en"), "en") == []


def _answers(app, client, session, n, region_user, satisfaction="5"):
    for _ in range(n):
        code, secret = closed_report(app, client, session, region_user)
        assert (
            _feedback(client, code, secret, resolved="yes", satisfaction=satisfaction).status_code
            == 200
        )


def test_stats_show_rates_from_the_minimum_sample_and_say_too_few_below(
    app, client, session, regulator
):
    app.config.update(STATS_MIN_SAMPLE=2, TIPOFF_RATE_LIMIT="100 per hour")
    app.config["TIPOFF_TRACK_RATE_LIMIT"] = "1000 per hour"
    _answers(app, client, session, 2, regulator, satisfaction="4")
    text = client.get("/stats").get_data(as_text=True)
    table = text[text.index("各地区满意度与按期办理") :]
    table = table[: table.index("</table>")]
    assert '<th scope="row">兰州市</th>' in table
    assert 'data-label="满意率">100.0%' in table and 'data-label="排名">1' in table
    assert 'data-label="回访问卷">2' in table
    assert "样本少于 2 件的比率不公布" in text
    app.config["STATS_MIN_SAMPLE"] = 10
    text = client.get("/stats").get_data(as_text=True)
    table = text[text.index("各地区满意度与按期办理") :]
    table = table[: table.index("</table>")]
    assert 'data-label="满意率"><span class="insufficient">样本不足</span>' in table
    assert 'data-label="排名">不排名' in table and "100.0%" not in table
    assert COMMENT not in text
    en = client.get("/stats?lang=en").get_data(as_text=True)
    assert "Too few cases" in en and "Satisfaction rate" in en
    assert language_problems(en, "en") == []
    api = client.get("/api/v1/stats/tipoffs").get_json()
    [row] = api["quality"]["by_region"]
    assert api["min_sample"] == 10 and row["answers"] == 2
    assert row["satisfaction_rate"] is None and row["rank"] is None
    assert not row["satisfaction_sample_ok"] and row["region_name"] == "兰州市"
    assert "comment" not in str(api) and "13912345678" not in str(api)


def test_stats_publish_the_message_board_figures_by_region(app, client, session):
    from credit.board.moderation import approve_message
    from credit.board.posting import MessageInput, post_message

    moderator = make_regulator(session, "mod@example.cn", "620000")
    with app.app_context():
        for region in ("620100", "620200"):
            message = post_message(
                session,
                MessageInput(
                    category="question",
                    title="河道治理计划",
                    body="小区附近的河道最近颜色发黑，想问一下今年的治理计划是什么时候开始？",
                    region_code=region,
                ),
            )
            approve_message(session, moderator, message.id)
    session.commit()
    text = client.get("/stats").get_data(as_text=True)
    board = text[text.index("各地区留言办理") :]
    board = board[: board.index("</table>")]
    assert '<th scope="row">兰州市</th>' in board and '<th scope="row">嘉峪关市</th>' in board
    assert 'data-label="收到留言">1' in board and 'data-label="未按规定答复">0' in board
    api = client.get("/api/v1/stats/tipoffs").get_json()["board"]
    assert api["received"] == 2 and api["failure_months"] == 3
    assert {r["region_code"] for r in api["by_region"]} == {"620100", "620200"}
    assert session.scalar(select(func.count()).select_from(TipOffFeedback)) == 0


def test_the_handling_office_sees_the_answer_and_the_comment(app, client, session, regulator):
    from tests.disclosure.conftest import login

    code, secret = closed_report(app, client, session, regulator)
    assert _feedback(client, code, secret, resolved="no", satisfaction="1", comment=COMMENT)
    tipoff_id = session.scalar(
        select(TipOff.id).where(TipOff.tracking_code == normalize_code(code))
    )
    login(client, regulator.email)
    page = client.get(f"/regulator/tipoffs/{tipoff_id}").get_data(as_text=True)
    section = page[page.index('id="feedback-h"') :]
    assert "未解决" in section and "非常不满意" in section and COMMENT in section
    assert "已据此申请重新处理" in section


def test_the_counts_table_keeps_the_minimum_for_a_region_s_on_time_rate(
    app, client, session, regulator
):
    closed_report(app, client, session, regulator)
    app.config["STATS_MIN_SAMPLE"] = 1
    table = client.get("/stats").get_data(as_text=True)
    table = table[table.index("按地区的举报办理") :][:4000]
    assert 'data-label="按期办结率">100.0%' in table
    app.config["STATS_MIN_SAMPLE"] = 2
    table = client.get("/stats").get_data(as_text=True)
    table = table[table.index("按地区的举报办理") :]
    table = table[: table.index("</table>")]
    assert 'data-label="按期办结率"><span class="insufficient">样本不足</span>' in table
