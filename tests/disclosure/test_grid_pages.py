"""Regulator grid pages: region regulators see and edit their region's grids; grid members see
their grid and what lies below it, read-only; nobody reaches a grid outside their scope."""

from __future__ import annotations

from sqlalchemy import select

from credit.grids.models import Grid, GridMember
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.factories import add_grid_member, create_grid


def _hierarchy(session):
    street = create_grid(session, "ZY", box=(103.80, 36.00, 103.90, 36.10))
    street.name = "张掖路街道"
    community = create_grid(session, "ZY-01", box=(103.80, 36.00, 103.85, 36.10), parent=street)
    community.name = "金塔巷社区"
    yard = create_grid(session, "ZY-01-1", box=(103.80, 36.00, 103.85, 36.05), parent=community)
    yard.name = "金塔巷一号楼院"
    sibling = create_grid(session, "ZY-02", box=(103.85, 36.00, 103.90, 36.10), parent=street)
    sibling.name = "永昌路社区"
    other = create_grid(session, "QL", box=(103.70, 36.00, 103.80, 36.10), region_code="620103")
    other.name = "西园街道"
    session.commit()
    return street, community, yard, sibling, other


def _post(client, path, page, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def test_a_region_regulator_sees_the_tree_of_their_region_only(client, session):
    _hierarchy(session)
    make_regulator(session, "cg@example.cn", region="620102")
    login(client, "cg@example.cn")
    html = client.get("/regulator/grids/").get_data(as_text=True)
    assert html.index("张掖路街道") < html.index("金塔巷社区") < html.index("金塔巷一号楼院")
    assert "永昌路社区" in html
    assert "西园街道" not in html
    assert client.get("/regulator/grids/QL").status_code == 404
    assert client.get("/regulator/grids/无此网格").status_code == 404


def test_a_city_regulator_sees_every_district(client, session):
    _hierarchy(session)
    make_regulator(session, "lz@example.cn", region="620100")
    login(client, "lz@example.cn")
    html = client.get("/regulator/grids/").get_data(as_text=True)
    assert "张掖路街道" in html and "西园街道" in html


def test_a_grid_member_sees_their_grid_and_below_only(client, session):
    _street, community, *_ = _hierarchy(session)
    member = make_regulator(session, "wang@example.cn", region="620102")
    add_grid_member(session, community, member, role="leader")
    session.commit()
    login(client, "wang@example.cn")
    html = client.get("/regulator/grids/").get_data(as_text=True)
    assert "金塔巷社区" in html and "金塔巷一号楼院" in html
    assert "永昌路社区" not in html and "张掖路街道" not in html
    page = client.get("/regulator/grids/ZY-01")
    assert page.status_code == 200
    assert "网格长" in page.get_data(as_text=True)
    assert client.get("/regulator/grids/ZY-01-1").status_code == 200
    # the parent and a sibling in the same district are out of a member's scope
    assert client.get("/regulator/grids/ZY").status_code == 404
    assert client.get("/regulator/grids/ZY-02").status_code == 404
    # and a member may not edit even their own grid
    assert "/regulator/grids/ZY-01/rename" not in page.get_data(as_text=True)
    token = csrf_token(client, "/regulator/grids/ZY-01-1")
    refused = client.post(
        "/regulator/grids/ZY-01/rename", data={"name": "改名", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert (
        client.post(
            "/regulator/grids/ZY-02/rename", data={"name": "改名", "csrf_token": token}
        ).status_code
        == 404
    )
    session.rollback()
    assert session.scalar(select(Grid.name).where(Grid.code == "ZY-01")) == "金塔巷社区"


def test_a_regulator_of_another_district_cannot_edit(client, session):
    _hierarchy(session)
    make_regulator(session, "ql@example.cn", region="620103")
    login(client, "ql@example.cn")
    token = csrf_token(client, "/regulator/grids/QL")
    response = client.post(
        "/regulator/grids/ZY/members",
        data={"email": "ql@example.cn", "role": "leader", "csrf_token": token},
    )
    assert response.status_code == 404
    session.rollback()
    assert session.scalars(select(GridMember)).all() == []


def test_region_regulator_renames_adds_and_removes_members(client, session):
    _hierarchy(session)
    make_regulator(session, "cg@example.cn", region="620102")
    make_regulator(session, "li@example.cn", region="620102")
    login(client, "cg@example.cn")
    page = "/regulator/grids/ZY-01"
    renamed = _post(client, f"{page}/rename", page, name="金塔巷社区（新）")
    assert renamed.status_code == 303
    added = _post(client, f"{page}/members", page, email="li@example.cn", role="assistant")
    assert added.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "金塔巷社区（新）" in html and "li@example.cn" in html and "协管员" in html
    removed = _post(client, f"{page}/members/remove", page, email="li@example.cn")
    assert removed.status_code == 303
    session.rollback()
    assert session.scalars(select(GridMember)).all() == []


def test_bad_member_input_is_flashed_and_nothing_is_stored(client, session):
    _hierarchy(session)
    make_regulator(session, "cg@example.cn", region="620102")
    login(client, "cg@example.cn")
    page = "/regulator/grids/ZY-01"
    for data in (
        {"email": "nobody@example.cn", "role": "leader"},
        {"email": "cg@example.cn", "role": "网格长"},
        {"email": "", "role": ""},
    ):
        response = _post(client, f"{page}/members", page, **data)
        assert response.status_code in (303, 404), data
    html = client.get(page).get_data(as_text=True)
    assert 'class="error"' in html
    for name in ("", "名" * 101):
        assert _post(client, f"{page}/rename", page, name=name).status_code == 303
    session.rollback()
    assert session.scalars(select(GridMember)).all() == []
    assert session.scalar(select(Grid.name).where(Grid.code == "ZY-01")) == "金塔巷社区"


def test_english_grid_page_shows_english_role_names(client, session):
    _, community, *_ = _hierarchy(session)
    member = make_regulator(session, "wang@example.cn", region="620102")
    add_grid_member(session, community, member, role="volunteer")
    make_regulator(session, "cg@example.cn", region="620102")
    login(client, "cg@example.cn")
    html = client.get("/regulator/grids/ZY-01?lang=en").get_data(as_text=True)
    assert "volunteer" in html and "志愿者" not in html
