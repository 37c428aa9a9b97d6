"""Exceedances open supervision cases: one open case per outlet and pollutant, extended."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.consumers import consumers
from credit.monitoring.exceedances import NAME, ExceedanceConsumer
from credit.monitoring.models import ExceedanceCase
from credit.supervision.models import SupervisionCase
from tests.factories import create_grid
from tests.monitoring.outlets import SO2, china_hour, create_outlet, store_means

DAY = dt.date(2026, 6, 1)


def _run(app) -> None:
    with app.app_context():
        ExceedanceConsumer().catch_up()


def _cases(session):
    session.rollback()
    return list(session.scalars(select(SupervisionCase).order_by(SupervisionCase.id)))


def _links(session):
    return list(session.scalars(select(ExceedanceCase).order_by(ExceedanceCase.id)))


def test_the_consumer_is_registered(app):
    assert NAME in [c.name for c in consumers(app)]


def test_an_exceedance_opens_one_case_in_the_outlets_grid(app, session):
    grid = create_grid(session, "CG-01")
    outlet = create_outlet(session, grid_id=grid.id, limits={SO2: 35, "a21002": 100})
    store_means(session, outlet.mn, [china_hour(DAY, h) for h in range(24)], value=10)
    session.commit()
    store_means(session, outlet.mn, [china_hour(DAY, 9), china_hour(DAY, 10)], 40, replace=True)
    store_means(session, outlet.mn, [china_hour(DAY, 11)], 38, replace=True)
    session.commit()
    _run(app)
    (case,) = _cases(session)
    assert (case.origin, case.grid_id, case.status) == ("monitoring", grid.id, "found")
    assert case.enterprise_id == outlet.enterprise_id
    assert "DA001" in case.description and "a21026" in case.description
    (link,) = _links(session)
    assert (link.case_id, link.pollutant, link.peak) == (case.id, SO2, 40)
    assert (link.first_hour, link.last_hour) == (china_hour(DAY, 9), china_hour(DAY, 11))
    _run(app)  # nothing new: nothing opened again
    assert len(_cases(session)) == 1


def test_later_exceedances_extend_the_open_case(app, session):
    outlet = create_outlet(session)
    store_means(session, outlet.mn, [china_hour(DAY, 3)], 40)
    session.commit()
    _run(app)
    store_means(session, outlet.mn, [china_hour(DAY + dt.timedelta(days=2), 5)], 90)
    store_means(session, outlet.mn, [china_hour(DAY + dt.timedelta(days=2), 6)], 20)
    session.commit()
    _run(app)
    assert len(_cases(session)) == 1
    (link,) = _links(session)
    assert (link.last_hour, link.peak) == (china_hour(DAY + dt.timedelta(days=2), 5), 90)


def test_a_closed_case_is_followed_by_a_new_one_and_pollutants_apart(app, session):
    grid = create_grid(session, "CG-01")
    outlet = create_outlet(session, grid_id=grid.id, limits={SO2: 35, "a21002": 100})
    store_means(session, outlet.mn, [china_hour(DAY, 3)], 40)
    session.commit()
    _run(app)
    (first,) = _cases(session)
    first.status = "closed"  # the case's flow is credit.supervision's; here only its end
    session.commit()
    store_means(session, outlet.mn, [china_hour(DAY, 8)], 50)
    store_means(session, outlet.mn, [china_hour(DAY, 8)], 150, pollutant="a21002")
    session.commit()
    _run(app)
    cases = _cases(session)
    assert len(cases) == 3
    assert [(link.pollutant, link.first_hour.hour) for link in _links(session)] == [
        (SO2, china_hour(DAY, 3).astimezone(dt.UTC).hour),
        ("a21002", china_hour(DAY, 8).astimezone(dt.UTC).hour),
        (SO2, china_hour(DAY, 8).astimezone(dt.UTC).hour),
    ]


def test_invalid_or_compliant_readings_open_nothing(app, session):
    outlet = create_outlet(session)
    store_means(session, outlet.mn, [china_hour(DAY, 1)], 40, flag="D")
    store_means(session, outlet.mn, [china_hour(DAY, 2)], 35)  # at the limit is not above it
    store_means(session, outlet.mn, [china_hour(DAY, 3)], 99, pollutant="a34013")  # no limit
    session.commit()
    _run(app)
    assert _cases(session) == [] and _links(session) == []


def test_an_outlet_outside_every_grid_opens_the_case_in_its_region(app, session):
    outlet = create_outlet(session)
    store_means(session, outlet.mn, [china_hour(DAY, 1)], 40)
    session.commit()
    _run(app)
    (case,) = _cases(session)
    assert (case.grid_id, case.region_code) == (None, "620100")
