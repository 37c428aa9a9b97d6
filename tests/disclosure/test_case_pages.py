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


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 12), (0, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_a_tipoff_becomes_a_case_and_evidence_is_uploaded_and_served(client, session, grid_world):
    import io

    from credit.tipoffs.filing import TipOffInput, file_tipoff
    from credit.tipoffs.models import TipOff

    with client.application.app_context():
        filed = file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="饭店油烟直排到居民楼，气味很重。",
                location="城关区",
                region_code="620102",
                latitude="36.05",
                longitude="103.82",
            ),
        )
        tipoff_id = filed.tipoff.id
        session.commit()
    login(client, "officer@example.cn")
    # filed inside the officer's grid: the system opened its case at filing
    from sqlalchemy import select

    from credit.supervision.models import SupervisionCase

    with client.application.app_context():
        code = session.scalar(
            select(SupervisionCase.code).where(SupervisionCase.tipoff_id == tipoff_id)
        )
    assert code
    token = csrf_token(client, "/regulator/cases/new")
    assert code in client.get("/regulator/cases").get_data(as_text=True)
    assert (
        client.post(f"/regulator/cases/{code}/dispatch", data={"csrf_token": token}).status_code
        == 303
    )
    upload = client.post(
        f"/regulator/cases/{code}/rectify",
        data={
            "csrf_token": token,
            "note": "已安装油烟净化器",
            "attachments": (io.BytesIO(_jpeg()), "现场.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    detail = client.get(f"/regulator/cases/{code}").get_data(as_text=True)
    assert "现场.jpg" in detail and f"/regulator/tipoffs/{tipoff_id}" in detail
    session.commit()
    assert session.scalar(select(TipOff.status).where(TipOff.id == tipoff_id)) == "investigating"
    from credit.supervision.models import CaseEvidence

    evidence_id = session.scalar(select(CaseEvidence.id))
    served = client.get(f"/regulator/cases/{code}/evidence/{evidence_id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "attachment" in served.headers["Content-Disposition"]
    served.close()
    assert client.get(f"/regulator/cases/{code}/evidence/999").status_code == 404


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"case_class": "general", "description": "短"}, "问题描述须为"),
        ({"case_class": "x", "description": "工地扬尘严重未覆盖"}, "等级须为"),
        (
            {
                "case_class": "general",
                "description": "工地扬尘严重未覆盖",
                "latitude": "abc",
                "longitude": "1",
            },
            "须为数字",
        ),
        ({"case_class": "general", "description": "工地扬尘严重未覆盖"}, "行政区划代码"),
    ],
)
def test_the_new_case_form_refuses_bad_input(client, session, grid_world, data, text):
    login(client, "officer@example.cn")
    token = csrf_token(client, "/regulator/cases/new")
    response = client.post("/regulator/cases/new", data={"csrf_token": token, **data})
    assert response.status_code == 400 and text in response.get_data(as_text=True)
    assert session.scalar(select(SupervisionCase.id)) is None


def test_odd_input_never_gives_a_server_error(client, session, grid_world):
    login(client, "officer@example.cn")
    _patrol(client)
    code = session.scalar(select(SupervisionCase.code))
    token = csrf_token(client, "/regulator/cases")
    for path in (
        "/regulator/cases?page=abc&class=%00&status=%E4%B8%AD&view=x&overdue=yes",
        "/regulator/cases?page=99999999999",
        "/regulator/cases/" + "X" * 500,
        f"/regulator/cases/{code.lower()}",
        "/regulator/patrols?x=%FF",
    ):
        assert client.get(path).status_code < 500, path
    for action, data in (
        ("verify", {"passed": "maybe"}),
        ("report", {"result": "结果" * 3000, "substantiated": "yes"}),
        ("rectify", {"note": "\u0000\ufffd"}),
        ("place", {"grid_code": "网格" * 50}),
    ):
        response = client.post(
            f"/regulator/cases/{code}/{action}", data={"csrf_token": token, **data}
        )
        assert response.status_code < 500, action
    odd = _patrol(client, **{"problem-0-latitude": "NaN", "problem-0-longitude": "Infinity"})
    assert odd.status_code == 400
    assert (
        client.post(
            "/regulator/cases/new",
            data={"csrf_token": token, "origin": "tipoff", "tipoff_id": "999999999"},
        ).status_code
        == 404
    )


def _file(client, session, **place):
    from credit.tipoffs.filing import TipOffInput, file_tipoff

    data = {"category": "air", "description": "锅炉房夜间冒黑烟，气味刺鼻。", "location": "城关区"}
    with client.application.app_context():
        filed = file_tipoff(session, TipOffInput(**data, region_code="620102", **place))
        session.commit()
        return filed.tipoff.id


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_tipoff_page_offers_a_case_until_one_exists_then_links_it(
    client, session, grid_world, lang
):
    tipoff_id = _file(client, session)  # no coordinates: no case at filing
    login(client, "officer@example.cn")
    page = client.get(f"/regulator/tipoffs/{tipoff_id}?lang={lang}").get_data(as_text=True)
    assert 'action="/regulator/cases/new"' in page and "已立为问题线索，由网格办理" not in page
    assert ("立为问题线索" if lang == "zh-CN" else "Open a case") in page
    token = csrf_token(client, f"/regulator/tipoffs/{tipoff_id}")
    data = {"csrf_token": token, "origin": "tipoff", "tipoff_id": str(tipoff_id)}
    opened = client.post("/regulator/cases/new", data={**data, "grid_code": "PG-S1-W"})
    assert opened.status_code == 303, opened.get_data(as_text=True)[:2000]
    session.commit()  # end the read snapshot
    code = session.scalar(
        select(SupervisionCase.code).where(SupervisionCase.tipoff_id == tipoff_id)
    )
    page = client.get(f"/regulator/tipoffs/{tipoff_id}?lang={lang}").get_data(as_text=True)
    assert 'action="/regulator/cases/new"' not in page and "立为问题线索，交网格办理" not in page
    assert f'href="/regulator/cases/{code}"' in page
    assert ("已立为问题线索" if lang == "zh-CN" else "is a case handled by its grid") in page


def test_a_tipoff_routed_to_its_grid_at_filing_links_its_case_at_once(client, session, grid_world):
    tipoff_id = _file(client, session, latitude="36.05", longitude="103.82")
    code = session.scalar(
        select(SupervisionCase.code).where(SupervisionCase.tipoff_id == tipoff_id)
    )
    assert code
    login(client, "officer@example.cn")
    page = client.get(f"/regulator/tipoffs/{tipoff_id}").get_data(as_text=True)
    assert f'href="/regulator/cases/{code}"' in page and 'action="/regulator/cases/new"' not in page
