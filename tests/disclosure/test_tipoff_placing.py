"""Placing tip-offs: from the address text, the unplaced triage queue, and placing by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.errors import Forbidden
from credit.places.addresses import locate_region
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff, TipOffEvent
from credit.tipoffs.placing import route_filing
from credit.tipoffs.tracking import track
from credit.tipoffs.workflow import QueueFilter, get_tipoff, list_queue
from tests.disclosure.conftest import csrf_token, login, make_regulator

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("兰州市城关区张掖路 12 号", "620102"),
        ("甘肃省城关区某小区", "620102"),
        ("兰州市 城关区 黄河边", "620102"),  # the tie of two 城关区 broken by 兰州市
        ("兰州市西固区河滩", "620104"),
        ("西固区河滩", "620104"),  # a unique county name alone
        ("北京市朝阳区", "110105"),
        ("兰州市黄河边", "620100"),
        ("城关区张掖路", None),  # 兰州 and 拉萨 both have a 城关区
        ("朝阳区", None),
        ("从兰州市到西宁市的路上", None),
        ("城区菜市场后面", None),  # a two-character name is a word unless qualified
        ("黄河边上一个排污口", None),
        ("", None),
    ],
)
def test_address_text_is_placed_in_the_most_specific_region_it_names(session, text, code):
    assert locate_region(session, text) == code


_APP: list = []


@pytest.fixture(autouse=True)
def _remember_app(app):
    """Direct service calls below need the app's context (keyed hashes use its HASH_KEY)."""
    _APP[:] = [app]


def _unplaced(session, triage=None, **kw):
    data = route_filing(
        session,
        TipOffInput(
            category="water",
            description="河面漂浮大量死鱼，气味刺鼻难闻。",
            location="坐标 / coordinates 30.0, 125.0",
            latitude="30.0",  # at sea: in no county
            longitude="125.0",
            **kw,
        ),
        triage,
    )
    with _APP[0].app_context():
        return file_tipoff(session, data, source="open311")


def test_unplaced_reports_are_in_the_national_queue_only(session):
    filed = _unplaced(session)
    session.commit()
    national = make_regulator(session, "national@example.cn", region="000000", role="admin")
    city = make_regulator(session, "city@example.cn", region="620100")
    assert filed.tipoff.region_code is None and filed.tipoff.placement == "unplaced"
    assert [r.tipoff.id for r in list_queue(session, national, QueueFilter(), TODAY).rows] == [
        filed.tipoff.id
    ]
    assert list_queue(session, city, QueueFilter(), TODAY).rows == []
    with pytest.raises(Forbidden):
        get_tipoff(session, city, filed.tipoff.id)


def test_a_triage_region_puts_unplaced_reports_in_its_regulators_queue(session):
    filed = _unplaced(session, triage="620000")
    session.commit()
    province = make_regulator(session, "province@example.cn", region="620000")
    city = make_regulator(session, "city@example.cn", region="620100")
    assert filed.tipoff.region_code == "620000" and filed.tipoff.placement == "unplaced"
    assert [r.tipoff.id for r in list_queue(session, province, QueueFilter(), TODAY).rows] == [
        filed.tipoff.id
    ]
    assert list_queue(session, city, QueueFilter(), TODAY).rows == []


def test_an_unknown_triage_region_falls_back_to_the_national_queue(session):
    assert _unplaced(session, triage="629999").tipoff.region_code is None


def test_given_region_or_address_is_not_unplaced(session):
    placed = _unplaced(session, region_code="620104")
    assert placed.tipoff.placement == "placed" and placed.tipoff.region_code == "620104"


def _fresh(session, tipoff_id: int) -> TipOff:
    """The row as the app committed it (a new snapshot, nothing cached)."""
    session.rollback()
    session.expire_all()
    return session.get(TipOff, tipoff_id)


def _act(client, tipoff_id, **data):
    token = csrf_token(client, "/regulator/tipoffs/")
    return client.post(f"/regulator/tipoffs/{tipoff_id}/place", data={"csrf_token": token, **data})


def test_a_triage_regulator_places_a_report_and_it_moves_to_that_queue(client, session):
    filed = _unplaced(session, triage="620000")
    session.commit()
    tid = filed.tipoff.id
    province = make_regulator(session, "province@example.cn", region="620000")
    city = make_regulator(session, "city@example.cn", region="620100")
    login(client, province.email)
    assert "待分派" in client.get("/regulator/tipoffs/").get_data(as_text=True)
    assert f'action="/regulator/tipoffs/{tid}/place"' in client.get(
        f"/regulator/tipoffs/{tid}"
    ).get_data(as_text=True)
    assert _act(client, tid, region_code="629999").status_code == 303  # refused: unknown
    assert _fresh(session, tid).placement == "unplaced"
    assert _act(client, tid, region_code="620102").status_code == 303
    tipoff = _fresh(session, tid)
    assert (tipoff.region_code, tipoff.placement) == ("620102", "placed")
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "tipoff.place")).one()
    assert audit.detail["region"] == "620102" and audit.detail["from"] == "620000"
    assert (
        session.scalar(
            select(TipOffEvent.kind)
            .where(TipOffEvent.tipoff_id == tid)
            .order_by(TipOffEvent.id.desc())
        )
        == "placed"
    )
    assert [r.tipoff.id for r in list_queue(session, city, QueueFilter(), TODAY).rows] == [tid]
    with _APP[0].app_context():
        timeline = track(session, filed.tracking_code, filed.secret)["timeline"]
    assert "placed" in [e["kind"] for e in timeline]


def test_placing_a_placed_report_is_refused(client, session):
    filed = _unplaced(session, region_code="620104")
    session.commit()
    regulator = make_regulator(session, "city@example.cn", region="620100")
    login(client, regulator.email)
    follow = _act(client, filed.tipoff.id, region_code="620102")
    assert follow.status_code == 303
    assert _fresh(session, filed.tipoff.id).region_code == "620104"
    assert "该举报已有办理地区" in client.get(f"/regulator/tipoffs/{filed.tipoff.id}").get_data(
        as_text=True
    )


def test_statistics_count_unplaced_reports_in_a_group_of_their_own(client, session):
    _unplaced(session)
    session.commit()
    stats = client.get("/api/v1/stats/tipoffs").get_json()
    assert {"region_code": "", "region_name": "待分派"}.items() <= stats["by_region"][0].items()
    assert client.get("/stats").status_code == 200
