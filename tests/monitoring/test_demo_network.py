"""The demo's monitoring network: deterministic, in the demo grid, with exceedances and
invalid hours, stored as the ORM reads it back, with its change-log rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from core.changelog import ChangeLog
from credit.demo.generate import REF
from credit.demo.monitoring import DAYS, load_demo_monitoring
from credit.monitoring.models import Outlet, OutletLimit, Reading, Station
from credit.monitoring.series import daily_summary, find_device, month_period
from tests.factories import create_enterprise, create_grid


def _arrange(session):
    top = create_grid(session, "D-1", box=(103.80, 36.03, 103.90, 36.10))
    mid = create_grid(session, "D-1-1", box=(103.80, 36.03, 103.85, 36.06), parent=top)
    for n in range(3):
        west = 103.80 + n * 0.01
        create_grid(session, f"D-1-1-{n}", box=(west, 36.03, west + 0.01, 36.04), parent=mid)
    for n in range(6):
        create_enterprise(
            session,
            region_code="620102",
            latitude=Decimal("36.035"),
            longitude=Decimal(f"{103.805 + n * 0.001:.3f}"),
        )


def _rows(session):
    return session.execute(
        select(Reading.mn, Reading.pollutant, Reading.time, Reading.value, Reading.flag).order_by(
            Reading.mn, Reading.pollutant, Reading.time
        )
    ).all()


def test_demo_network_is_deterministic_and_realistic(session, app_context):
    _arrange(session)
    session.commit()
    counts = load_demo_monitoring(session, seed=7)
    session.flush()
    assert counts.stations == 4  # the national station and three micro-stations
    outlets = session.scalars(select(Outlet).order_by(Outlet.mn)).all()
    assert counts.outlets == len(outlets) == 6 + 2  # every fourth also has a water outlet
    assert all(o.grid_id is not None for o in outlets)  # placed in the enterprise's grid
    micro = session.scalars(select(Station).where(Station.kind == "micro")).all()
    assert all(s.grid_id is not None for s in micro)
    limits = session.scalar(select(func.count()).select_from(OutletLimit))
    assert counts.readings == (4 * 2 + limits) * DAYS * 24
    first = _rows(session)
    assert len(first) == counts.readings
    assert first[0].time.tzinfo is not None
    assert min(r.time for r in first) == dt.datetime.combine(
        REF - dt.timedelta(days=DAYS), dt.time(), dt.timezone(dt.timedelta(hours=8))
    )
    flags = {r.flag for r in first}
    assert "N" in flags and flags - {"N", "T"}  # some invalid hours
    exceeding = 0
    for outlet in outlets:
        device = find_device(session, outlet.mn, "outlet")
        for month in (REF - dt.timedelta(days=40), REF - dt.timedelta(days=1)):
            exceeding += sum(
                s.exceedance_hours for s in daily_summary(session, device, month_period(month))
            )
    assert 0 < exceeding < counts.readings * 0.02  # a few, not many
    assert load_demo_monitoring(session, seed=7).stations == 0  # only once
    session.commit()
    changed = set(session.scalars(select(ChangeLog.entity_id).where(ChangeLog.entity == "outlet")))
    assert changed == {o.mn for o in outlets}
    assert (
        len(set(session.scalars(select(ChangeLog.entity_id).where(ChangeLog.entity == "station"))))
        == 4
    )
    # the same seed gives the same readings
    session.execute(Reading.__table__.delete())
    session.execute(OutletLimit.__table__.delete())
    session.execute(Outlet.__table__.delete())
    session.execute(Station.__table__.delete())
    session.flush()
    load_demo_monitoring(session, seed=7)
    session.flush()
    assert _rows(session) == first
