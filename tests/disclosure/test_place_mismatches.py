"""/regulator/place-mismatches: the list of the regulator's region, and settling one."""

from __future__ import annotations

from sqlalchemy import select

from credit.places.models import PlaceMismatch
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from tests.disclosure.conftest import csrf_token, login, make_regulator

BASE = {"category": "air", "description": "夜间烟囱冒黑烟，气味刺鼻。", "location": "某地"}


def _contradicted(app, session) -> int:
    with app.app_context():
        data = TipOffInput(**BASE, region_code="620102", latitude="36.1", longitude="103.63")
        tipoff = file_tipoff(session, data).tipoff
        session.commit()
        return tipoff.id


def test_the_page_needs_a_login(client):
    assert client.get("/regulator/place-mismatches").status_code in (302, 303)


def test_a_regulator_sees_the_mismatch_and_takes_the_coordinates(app, client, session):
    tipoff_id = _contradicted(app, session)
    user = make_regulator(session, "city@example.org", "620100")
    login(client, user.email)
    page = client.get("/regulator/place-mismatches")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "城关区 620102" in text and "西固区 620104" in text
    mismatch = session.scalars(select(PlaceMismatch)).one()
    token = csrf_token(client, "/regulator/place-mismatches")
    done = client.post(
        f"/regulator/place-mismatches/{mismatch.id}",
        data={"take": "coordinates", "csrf_token": token},
    )
    assert done.status_code == 303
    session.rollback()  # a fresh snapshot: see what the request committed
    assert session.get(PlaceMismatch, mismatch.id).resolution == "coordinates"
    assert session.get(TipOff, tipoff_id).region_code == "620104"
    assert "620102" not in client.get("/regulator/place-mismatches").get_data(as_text=True)


def test_another_region_cannot_settle_it(app, client, session):
    _contradicted(app, session)
    user = make_regulator(session, "lasa@example.org", "540100")
    login(client, user.email)
    assert "620102" not in client.get("/regulator/place-mismatches").get_data(as_text=True)
    mismatch = session.scalars(select(PlaceMismatch)).one()
    token = csrf_token(client, "/regulator/place-mismatches")
    refused = client.post(
        f"/regulator/place-mismatches/{mismatch.id}", data={"take": "given", "csrf_token": token}
    )
    assert refused.status_code == 403
    session.rollback()  # a fresh snapshot: see what the request committed
    assert session.get(PlaceMismatch, mismatch.id).resolved_at is None


def test_a_bad_choice_is_flashed_and_nothing_changes(app, client, session):
    _contradicted(app, session)
    user = make_regulator(session, "city2@example.org", "620100")
    login(client, user.email)
    mismatch = session.scalars(select(PlaceMismatch)).one()
    token = csrf_token(client, "/regulator/place-mismatches")
    answer = client.post(
        f"/regulator/place-mismatches/{mismatch.id}",
        data={"take": "不知道😀", "csrf_token": token},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "请选择保留所填地区" in answer.get_data(as_text=True)
    session.rollback()  # a fresh snapshot: see what the request committed
    assert session.get(PlaceMismatch, mismatch.id).resolved_at is None


def test_an_enterprise_mismatch_links_its_credit_file(app, client, session):
    from credit.records.importing import import_rows
    from tests.factories import make_uscc

    uscc = make_uscc(42)
    row = {
        "uscc": uscc,
        "name": "兰州错位化工有限公司",
        "region_code": "620102",
        "industry_code": "C26",
        "latitude": "36.1",
        "longitude": "103.63",
    }
    with app.app_context():
        assert import_rows(session, "enterprises", [(2, row)]).errors == []
        session.commit()
    user = make_regulator(session, "city3@example.org", "620100")
    login(client, user.email)
    text = client.get("/regulator/place-mismatches").get_data(as_text=True)
    assert f'href="/regulator/enterprises/{uscc}"' in text and "兰州错位化工有限公司" in text


def test_a_source_mismatch_links_its_ledger_page_and_is_settled(app, client, session):
    from credit.records.importing import import_rows
    from credit.sources.models import PointSource

    row = {"code": "JN-0042", "name": "西固错位锅炉房", "type": "boiler"}
    row |= {"latitude": "36.1", "longitude": "103.63", "region_code": "620102"}
    with app.app_context():
        assert import_rows(session, "sources", [(2, row)]).errors == []
        session.commit()
    user = make_regulator(session, "city4@example.org", "620100")
    login(client, user.email)
    text = client.get("/regulator/place-mismatches").get_data(as_text=True)
    assert 'href="/regulator/sources/JN-0042"' in text and "西固错位锅炉房" in text
    assert "城关区 620102" in text and "西固区 620104" in text
    mismatch = session.scalars(select(PlaceMismatch)).one()
    token = csrf_token(client, "/regulator/place-mismatches")
    done = client.post(
        f"/regulator/place-mismatches/{mismatch.id}",
        data={"take": "coordinates", "csrf_token": token},
    )
    assert done.status_code == 303
    session.rollback()  # a fresh snapshot: see what the request committed
    assert session.scalars(select(PointSource)).one().region_code == "620104"
    assert "JN-0042" not in client.get("/regulator/place-mismatches").get_data(as_text=True)
    settled = client.get("/regulator/place-mismatches?resolved=1").get_data(as_text=True)
    assert "JN-0042" in settled and "改为坐标所在地区" in settled
