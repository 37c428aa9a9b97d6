"""The enterprise page's rating history: levels over time with what moved them, a table
fallback, "仅一次评价" for a single rating; the SVG is named and readable on phones."""

from __future__ import annotations

import datetime as dt
import itertools
import re

from credit.ratings.history import history_story
from tests.factories import create_enterprise, create_penalty, create_rating


def _rating(session, ent, as_of, level, score, items, current=False):
    rating = create_rating(session, ent, level, score)
    rating.as_of, rating.explanation, rating.is_current = as_of, items, current
    session.flush()
    return rating


def _three_ratings(session):
    ent = create_enterprise(session, name="兰州历史测试化工有限公司")
    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=90))
    item = {
        "rule": "penalty.grave",
        "points": -30,
        "source": {"type": "penalty", "id": penalty.id},
        "note": None,
    }
    _rating(session, ent, dt.date(2025, 1, 1), "green", 100, [])
    _rating(session, ent, dt.date(2025, 6, 1), "yellow", 70, [item])
    _rating(session, ent, dt.date(2026, 6, 30), "yellow", 70, [item], current=True)
    session.commit()
    return ent, penalty


def test_story_names_the_record_that_moved_the_level(session):
    ent, penalty = _three_ratings(session)
    from credit.records.listing import rating_history

    story = history_story(session, rating_history(session, ent.id))
    assert [p.as_of for p in story] == [
        dt.date(2025, 1, 1),
        dt.date(2025, 6, 1),
        dt.date(2026, 6, 30),
    ]
    first, moved, same = story
    assert first.delta is None and not first.moved and first.change.zh == "首次评价"
    assert moved.moved and moved.delta == -30 and moved.previous_level == "green"
    assert "等级由环保诚信企业变为环保警示企业" in moved.change.zh
    assert "新增：严重" in moved.change.zh and penalty.decision_no in moved.change.zh
    assert "(-30)" in moved.change.en or "(−30)" in moved.change.en
    assert not same.moved and same.change.zh == "无变化"


def test_enterprise_page_draws_levels_with_markers_and_a_table(client, session):
    ent, penalty = _three_ratings(session)
    text = client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    svg = re.search(r'<svg role="img"[^>]*class="chart level-history".*?</svg>', text, re.S)
    assert svg, "no history chart"
    chart = svg.group(0)
    assert "<title" in chart and "信用等级历史" in chart and "<desc" in chart
    assert "共 3 次评价，等级变化 1 次" in chart
    # one label per level row, in the level order: they cannot overlap
    labels = re.findall(r'text-anchor="end" fill="#1d2327">([^<]+)</text>', chart)
    assert labels[:5] == ["诚信", "良好", "警示", "不良", "严重失信"]
    ys = [
        float(v)
        for v in re.findall(r'<text x="\d+" y="([\d.]+)"[^>]*text-anchor="end" fill', chart)
    ]
    assert all(b - a >= 20 for a, b in itertools.pairwise(ys[:5]))
    # readable on a 320 px phone: a 320-unit box drawn 288 px wide keeps text ≥ 12 px
    width = int(re.search(r'viewBox="0 0 (\d+) ', chart).group(1))
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', chart)]
    assert sizes and min(sizes) * 288 / width >= 12
    # the marker numbered 1 and the table's "变化 1" row
    assert re.search(r'font-weight="700"[^>]*>1</text>', chart)
    table = text[text.index('<details class="history-table">') :]
    table = table[: table.index("</details>")]
    assert table.count("<tr>") == 4  # header + 3 ratings
    assert "变化 1" in table and penalty.decision_no in table and "首次评价" in table
    assert "仅一次评价" not in text


def test_english_page_has_english_axis_and_changes(client, session):
    ent, _ = _three_ratings(session)
    text = client.get(f"/enterprises/{ent.uscc}?lang=en").get_data(as_text=True)
    assert ">Trustworthy</text>" in text and ">Untrustworthy</text>" in text
    assert "level changed from Environmentally trustworthy to Environmental warning" in text
    assert "Level history</title>" in text and "3 ratings from 2025-01-01 to 2026-06-30" in text


def test_single_rating_says_so_instead_of_a_chart(client, session):
    ent = create_enterprise(session, name="兰州单次评价测试有限公司")
    create_rating(session, ent, "blue", 90)
    session.commit()
    text = client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    assert "仅一次评价：2026-06-30，环保良好企业，90 分。" in text
    assert "level-history" not in text
    en = client.get(f"/enterprises/{ent.uscc}?lang=en").get_data(as_text=True)
    assert "Rated only once: 2026-06-30" in en
