"""The ledger's listing: keyset pages per grid and region, filters, and who sees what."""

from __future__ import annotations

import pytest

from core.errors import Forbidden, NotFound
from credit.sources.listing import SourceFilter, list_sources, source_detail
from tests.factories import (
    add_grid_member,
    create_enterprise,
    create_grid,
    create_regulator,
    create_source,
)


def _all_pages(session, user, **filters):
    codes, after, pages = [], "", 0
    while True:
        page = list_sources(session, user, SourceFilter(after=after, **filters), limit=50)
        codes += [r.source.code for r in page.rows]
        pages += 1
        if page.next_after is None:
            return codes, pages
        after = page.next_after


def test_a_grid_is_listed_in_code_order_a_page_at_a_time_with_its_subgrids(session):
    street = create_grid(session, "S1")
    yard = create_grid(session, "S1-Y1", parent=street)
    other = create_grid(session, "S2", box=(104.0, 36.0, 104.1, 36.1))
    for i in range(70):
        create_source(session, f"JN{i:04d}", grid_id=street.id)
    for i in range(50):
        create_source(session, f"YD{i:04d}", grid_id=yard.id)
    create_source(session, "OTHER1", grid_id=other.id)
    create_source(session, "NOGRID")
    user = create_regulator(session, "lz@example.cn", region="620100")
    codes, pages = _all_pages(session, user, grid="S1")
    assert pages == 3
    assert codes == sorted(codes) and len(codes) == len(set(codes)) == 120
    assert "OTHER1" not in codes and "NOGRID" not in codes
    assert _all_pages(session, user, grid="S1-Y1")[0] == [f"YD{i:04d}" for i in range(50)]


def test_the_last_full_page_has_no_next_page(session):
    for i in range(50):
        create_source(session, f"A{i:03d}")
    user = create_regulator(session, "lz@example.cn", region="620100")
    page = list_sources(session, user, SourceFilter(), limit=50)
    assert len(page.rows) == 50 and page.next_after is None


def test_filters_by_region_type_and_text(session):
    create_source(session, "C1", name="城关煤场", type="coal_depot")
    create_source(session, "C2", name="城关工地", type="construction_site")
    create_source(session, "Q1", name="七里河锅炉房", type="boiler", region_code="620103")
    user = create_regulator(session, "lz@example.cn", region="620100")

    def codes(**f):
        return [r.source.code for r in list_sources(session, user, SourceFilter(**f)).rows]

    assert codes(region="620103") == ["Q1"]
    assert codes(type="coal_depot") == ["C1"]
    assert codes(q="工地") == ["C2"]
    assert codes(q="%") == [] and codes(q="_") == []  # wildcards are text
    assert codes(type="no-such-type") == ["C1", "C2", "Q1"]  # unknown type ignored


def test_an_unknown_grid_is_not_found(session):
    user = create_regulator(session, "lz@example.cn", region="620100")
    with pytest.raises(NotFound):
        list_sources(session, user, SourceFilter(grid="无此网格"))


def test_a_regulator_sees_only_their_region(session):
    create_source(session, "LZ1")
    create_source(session, "NY1", region_code="411302")
    nanyang = create_regulator(session, "ny@example.cn", region="411300")
    assert [r.source.code for r in list_sources(session, nanyang, SourceFilter()).rows] == ["NY1"]
    with pytest.raises(Forbidden):
        source_detail(session, nanyang, "LZ1")
    assert source_detail(session, nanyang, "NY1")["source"].code == "NY1"


def test_a_grid_member_sees_only_their_grids_not_a_sibling_grid(session):
    street = create_grid(session, "S1")
    mine = create_grid(session, "S1-C1", parent=street)
    sibling = create_grid(session, "S1-C2", parent=street)
    create_source(session, "MINE", grid_id=mine.id)
    create_source(session, "SIB", grid_id=sibling.id)
    create_source(session, "STREET", grid_id=street.id)
    member = create_regulator(session, "officer@example.cn", region="620102")
    add_grid_member(session, mine, member)
    assert [r.source.code for r in list_sources(session, member, SourceFilter()).rows] == ["MINE"]
    assert list_sources(session, member, SourceFilter(grid="S1-C1")).rows[0].source.code == "MINE"
    for outside in ("S1", "S1-C2"):  # a grid outside the scope is answered like a missing one
        with pytest.raises(NotFound):
            list_sources(session, member, SourceFilter(grid=outside))
    for code in ("SIB", "STREET"):
        with pytest.raises(Forbidden):
            source_detail(session, member, code)
    leader = create_regulator(session, "leader@example.cn", region="620102")
    add_grid_member(session, street, leader, role="leader")
    seen = [r.source.code for r in list_sources(session, leader, SourceFilter()).rows]
    assert seen == ["MINE", "SIB", "STREET"]


def test_detail_links_grid_region_and_enterprise(session):
    grid = create_grid(session, "S1")
    ent = create_enterprise(session)
    create_source(session, "E1", type="enterprise", grid_id=grid.id, enterprise_id=ent.id)
    user = create_regulator(session, "lz@example.cn", region="620100")
    d = source_detail(session, user, " E1 ")
    assert d["grid"].code == "S1" and d["enterprise"].uscc == ent.uscc
    assert d["region"].code == "620102"
    with pytest.raises(NotFound):
        source_detail(session, user, "nope")
