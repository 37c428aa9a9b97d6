"""disclosure.case_pages: the case queue, one case with its actions, and the patrol form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from credit.supervision.models import Patrol, SupervisionCase
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.factories import add_grid_member, create_grid


@pytest.fixture
def grid_world(session):
    street = create_grid(session, "PG-S1", box=(103.80, 36.00, 103.90, 36.10))
    west = create_grid(session, "PG-S1-W", box=(103.80, 36.00, 103.85, 36.10), parent=street)
    east = create_grid(session, "PG-S1-E", box=(103.85, 36.00, 103.90, 36.10), parent=street)
    session.commit()
    officer = make_regulator(session, "officer@example.cn", "620102")
    sibling = make_regulator(session, "sibling@example.cn", "620102")
    add_grid_member(session, west, officer)
    add_grid_member(session, east, sibling)
    session.commit()
    return {"west": west, "east": east}


def _patrol(client, **changes):
    data = {
        "csrf_token": csrf_token(client, "/regulator/patrols/new"),
        "grid_code": "PG-S1-W",
        "started_at": "2026-12-01T09:00",
        "ended_at": "2026-12-01T11:30",
        "sources": "SRC-001, SRC-002",
        "notes": "巡查张掖路沿线",
        "problem-0-description": "餐馆油烟直排，净化器未开",
        "problem-0-class": "general",
        "problem-0-source": "SRC-002",
        **changes,
    }
    return client.post("/regulator/patrols/new", data=data)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_patrol_with_a_problem_opens_a_case_shown_in_the_queue(client, session, grid_world, lang):
    login(client, "officer@example.cn")
    form = client.get(f"/regulator/patrols/new?lang={lang}")
    assert (
        form.status_code == 200 and "<script" not in form.get_data(as_text=True).split("<main")[-1]
    )
    response = _patrol(client)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case = session.scalar(select(SupervisionCase))
    assert case.origin == "patrol" and case.grid_id == grid_world["west"].id
    assert session.scalar(select(Patrol.source_codes)) == "SRC-001\nSRC-002"
    queue = client.get(f"/regulator/cases?lang={lang}").get_data(as_text=True)
    assert case.code in queue
    listing = client.get(f"/regulator/patrols?lang={lang}").get_data(as_text=True)
    assert "SRC-001" in listing
    page = client.get(f"/regulator/cases/{case.code}?lang={lang}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and ("督办" in text if lang == "zh-CN" else "Dispatch" in text)


def test_the_case_page_runs_an_action_and_refuses_a_bad_one(client, session, grid_world):
    login(client, "officer@example.cn")
    _patrol(client)
    code = session.scalar(select(SupervisionCase.code))
    token = csrf_token(client, f"/regulator/cases/{code}")
    assert (
        client.post(f"/regulator/cases/{code}/dispatch", data={"csrf_token": token}).status_code
        == 303
    )
    session.commit()  # end the read snapshot
    assert session.scalar(select(SupervisionCase.status)) == "dispatched"
    bad = client.post(
        f"/regulator/cases/{code}/close", data={"csrf_token": token}, follow_redirects=True
    )
    assert "不能办结此线索" in bad.get_data(as_text=True)
    assert (
        client.post(f"/regulator/cases/{code}/nonsense", data={"csrf_token": token}).status_code
        == 404
    )


def test_a_sibling_grids_member_gets_403_on_the_page(client, session, grid_world):
    login(client, "officer@example.cn")
    _patrol(client)
    code = session.scalar(select(SupervisionCase.code))
    client.post("/regulator/logout", data={"csrf_token": csrf_token(client, "/regulator/cases")})
    login(client, "sibling@example.cn")
    assert client.get(f"/regulator/cases/{code}").status_code == 403
    assert code not in client.get("/regulator/cases?view=all").get_data(as_text=True)
    assert client.get("/regulator/cases/XS-%E4%B8%AD%E6%96%87").status_code == 404


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"ended_at": "2026-12-01T08:00"}, "结束时间不能早于开始时间"),
        ({"started_at": "昨天"}, "时间格式"),
        ({"sources": "SRC-1 <b>"}, "污染源编码"),
        ({"problem-0-class": "huge"}, "等级"),
        ({"grid_code": "没有"}, "未找到网格"),
    ],
)
def test_a_bad_patrol_form_is_shown_again_with_the_problem(
    client, session, grid_world, changes, text
):
    login(client, "officer@example.cn")
    response = _patrol(client, **changes)
    assert response.status_code == 400
    assert text in response.get_data(as_text=True)
    assert session.scalar(select(Patrol.id)) is None


def test_a_patrol_in_a_sibling_grid_is_forbidden(client, session, grid_world):
    login(client, "officer@example.cn")
    assert _patrol(client, grid_code="PG-S1-E").status_code == 403
