"""Region from coordinates, and mismatches: flagged, never overwritten, settled by a regulator."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.changelog import ChangeLog
from core.errors import Forbidden
from credit.places.crs import wgs84_to_gcj02
from credit.places.mismatches import list_mismatches, resolve_mismatch
from credit.places.models import PlaceMismatch
from credit.sources.models import PointSource
from credit.tipoffs.filing import TipOffInput, file_tipoff
from tests.disclosure.conftest import make_regulator

BASE = {"category": "air", "description": "夜间烟囱冒黑烟，气味刺鼻。", "location": "某地"}
XIGU = ("36.1000", "103.6300")  # 兰州 西固区 (lat, long)


def test_a_tipoff_with_only_coordinates_gets_their_county(app_context, session):
    tipoff = file_tipoff(session, TipOffInput(**BASE, latitude="43.7928", longitude="87.6168"))
    assert (tipoff.tipoff.region_code, tipoff.tipoff.placement) == ("650102", "placed")


def test_gcj02_coordinates_are_placed_and_stored_as_wgs84(app_context, session):
    lon, lat = wgs84_to_gcj02(103.8343, 36.0611)
    data = TipOffInput(**BASE, latitude=f"{lat:.6f}", longitude=f"{lon:.6f}", crs="gcj02")
    tipoff = file_tipoff(session, data).tipoff
    assert tipoff.region_code == "620102"
    assert float(tipoff.latitude) == pytest.approx(36.0611, abs=2e-6)
    assert float(tipoff.longitude) == pytest.approx(103.8343, abs=2e-6)


def test_an_unknown_crs_is_refused(app_context, session):
    from core.errors import Invalid

    with pytest.raises(Invalid) as refused:
        file_tipoff(session, TipOffInput(**BASE, latitude="36", longitude="103.8", crs="bd09"))
    assert "crs" in refused.value.errors


def _contradicted(session):
    data = TipOffInput(**BASE, region_code="620102", latitude=XIGU[0], longitude=XIGU[1])
    return file_tipoff(session, data).tipoff


def test_a_given_code_the_coordinates_contradict_is_kept_and_flagged(app_context, session):
    tipoff = _contradicted(session)
    assert tipoff.region_code == "620102"
    flagged = session.scalars(select(PlaceMismatch)).all()
    assert [(m.entity, m.entity_id, m.given_code, m.coordinates_code) for m in flagged] == [
        ("tipoff", tipoff.id, "620102", "620104")
    ]
    assert flagged[0].resolved_at is None


def test_coordinates_inside_a_given_prefecture_agree(app_context, session):
    file_tipoff(
        session, TipOffInput(**BASE, region_code="620100", latitude=XIGU[0], longitude=XIGU[1])
    )
    assert session.scalars(select(PlaceMismatch)).all() == []


def test_a_regulator_takes_the_coordinates_county_audited(app_context, session):
    tipoff = _contradicted(session)
    user = make_regulator(session, "city@example.org", "620100")
    (mismatch,) = list_mismatches(session, user)
    resolve_mismatch(session, user, mismatch.id, "coordinates")
    session.flush()
    assert tipoff.region_code == "620104"
    assert mismatch.resolution == "coordinates" and mismatch.resolved_by == f"user:{user.id}"
    assert list_mismatches(session, user) == []
    assert list_mismatches(session, user, resolved=True) == [mismatch]
    session.commit()
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "place.mismatch.resolve" in actions


def test_accepting_the_given_code_keeps_it(app_context, session):
    tipoff = _contradicted(session)
    user = make_regulator(session, "county@example.org", "620102")
    (mismatch,) = list_mismatches(session, user)
    resolve_mismatch(session, user, mismatch.id, "given")
    assert tipoff.region_code == "620102" and mismatch.resolution == "given"


def test_other_regions_neither_see_nor_settle_a_mismatch(app_context, session):
    _contradicted(session)
    outsider = make_regulator(session, "lasa@example.org", "540100")
    assert list_mismatches(session, outsider) == []
    mismatch = session.scalars(select(PlaceMismatch)).one()
    with pytest.raises(Forbidden):
        resolve_mismatch(session, outsider, mismatch.id, "coordinates")


def _contradicted_source(session):
    from credit.records.importing import import_rows

    row = {"code": "JN-9", "name": "错填地区的锅炉房", "type": "boiler"}
    row |= {"latitude": XIGU[0], "longitude": XIGU[1], "region_code": "620102"}
    assert import_rows(session, "sources", [(2, row)]).errors == []
    return session.scalars(select(PointSource)).one()


def test_a_source_mismatch_is_settled_by_taking_the_coordinates_county(app_context, session):
    source = _contradicted_source(session)
    assert source.region_code == "620102"
    user = make_regulator(session, "city@example.org", "620100")
    (mismatch,) = list_mismatches(session, user)
    assert (mismatch.entity, mismatch.entity_id, mismatch.coordinates_code) == (
        "source",
        source.id,
        "620104",
    )
    changes = session.scalar(select(func.count()).select_from(ChangeLog))
    resolve_mismatch(session, user, mismatch.id, "coordinates")
    assert source.region_code == "620104" and mismatch.resolution == "coordinates"
    # the ledger is regulator data: audited, never in the public change log
    assert session.scalar(select(func.count()).select_from(ChangeLog)) == changes
    session.commit()  # audit events are written at the commit
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "place.mismatch.resolve")
    ).one()
    assert event.subject == f"source:{source.id}"


def test_a_source_mismatch_kept_as_given_and_out_of_other_regions_reach(app_context, session):
    source = _contradicted_source(session)
    outsider = make_regulator(session, "lasa@example.org", "540100")
    assert list_mismatches(session, outsider) == []
    mismatch = session.scalars(select(PlaceMismatch)).one()
    with pytest.raises(Forbidden):
        resolve_mismatch(session, outsider, mismatch.id, "coordinates")
    county = make_regulator(session, "county@example.org", "620102")
    resolve_mismatch(session, county, mismatch.id, "given")
    assert source.region_code == "620102" and mismatch.resolution == "given"
