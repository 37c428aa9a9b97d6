"""`records import --kind stations|outlets|readings` and the idempotent readings store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.changelog import ChangeLog
from credit.monitoring.models import CN_HOURLY, CN_MINUTE, Outlet, RawReading, Reading, Station
from credit.monitoring.snapshots import outlet_snapshots, station_snapshots
from credit.monitoring.storage import (
    ReadingRow,
    device_for,
    password_matches,
    store_readings,
)
from tests.factories import create_enterprise, create_grid

UTC = dt.UTC


def _import(runner, tmp_path, kind, content):
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    return runner.invoke(args=["records", "import", "--kind", kind, str(path)])


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_stations_are_placed_and_passwords_hashed(runner, session, tmp_path, app):
    grid = create_grid(session, "CG-01", box=(103.80, 36.03, 103.90, 36.10))
    session.commit()
    content = (
        "mn,name,kind,latitude,longitude,region_code,password\n"
        "ST0001,城关微站1,micro,36.05,103.85,,pw-1\n"
        "ST0002,兰州市监测站,国控站,36.06,103.83,620102,\n"
    )
    result = _import(runner, tmp_path, "stations", content)
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    session.rollback()
    first = session.scalar(select(Station).where(Station.mn == "ST0001"))
    assert first.region_code == "620102" and first.grid_id == grid.id
    assert "pw-1" not in (first.password_hash or "")
    with app.app_context():
        device = device_for(session, "ST0001")
        assert device and device.kind == "station"
        assert password_matches(device, "pw-1") and not password_matches(device, "pw-2")
        unset = device_for(session, "ST0002")
        assert unset and not password_matches(unset, "")
    snap = station_snapshots(session, ["ST0001"])["ST0001"]
    assert snap["grid_code"] == "CG-01" and "password" not in str(snap)
    # re-import without a password keeps the stored hash and changes nothing
    again = _import(runner, tmp_path, "stations", content.replace("pw-1", ""))
    assert "2 unchanged" in again.output, again.output


def test_bad_rows_store_nothing(runner, session, tmp_path):
    ent = create_enterprise(session)
    session.commit()
    content = (
        "mn,uscc,outlet_code,kind,limits,commissioned_on,password\n"
        f"OUT001,{ent.uscc},DA001,gas,a21026=35;a21002=100,2025-01-01,secret\n"
        f"OUT002,{ent.uscc},DA002,smoke,a21026=35,2025-01-01,\n"
        f"OUT003,{ent.uscc},DA003,gas,SO2=35,2025-01-01,\n"
        "OUT004,91110000000000000X,DA004,gas,a21026=35,2025-01-01,\n"
    )
    result = _import(runner, tmp_path, "outlets", content)
    assert result.exit_code != 0
    assert "smoke" in result.output and "a21026" in result.output
    assert _count(session, Outlet) == 0


def test_outlets_limits_and_readings(runner, session, tmp_path):
    ent = create_enterprise(session, latitude=36.05, longitude=103.85)
    create_grid(session, "CG-01", box=(103.80, 36.03, 103.90, 36.10))
    session.commit()
    header = "mn,uscc,outlet_code,kind,limits,commissioned_on,password\n"
    row = f"OUT001,{ent.uscc},DA001,废气,a21026=35;a21002=100,2025-01-01,secret\n"
    assert _import(runner, tmp_path, "outlets", header + row).exit_code == 0
    snap = outlet_snapshots(session, ["OUT001"])["OUT001"]
    assert snap["limits"] == {"a21026": 35.0, "a21002": 100.0}
    assert snap["grid_code"] == "CG-01" and snap["enterprise_uscc"] == ent.uscc
    # a changed limit alone is an update
    changed = _import(runner, tmp_path, "outlets", header + row.replace("=35", "=50"))
    assert "1 updated" in changed.output, changed.output
    session.rollback()
    assert outlet_snapshots(session, ["OUT001"])["OUT001"]["limits"]["a21026"] == 50.0

    readings = (
        "mn,pollutant,hour,avg,flag\n"
        "OUT001,a21026,2026-06-01T09:00,40,N\n"
        "OUT001,a21026,2026-06-01T10:00,40.5,N\n"
        "OUT001,A21026,2026-06-02 23:00,36,D\n"
    )
    before = _count(session, ChangeLog)
    result = _import(runner, tmp_path, "readings", readings)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    session.rollback()
    stored = session.scalars(select(Reading).order_by(Reading.time)).all()
    # China time 09:00 is 01:00 UTC
    assert stored[0].time == dt.datetime(2026, 6, 1, 1, tzinfo=UTC)
    assert [r.flag for r in stored] == ["N", "N", "D"] and stored[0].cn == CN_HOURLY
    assert _count(session, ChangeLog) == before + 1  # one row for the outlet
    # the same file again is unchanged; a corrected value updates in place
    assert "3 unchanged" in _import(runner, tmp_path, "readings", readings).output
    fixed = _import(runner, tmp_path, "readings", readings.replace("40.5,N", "41,T"))
    assert "1 updated" in fixed.output and "2 unchanged" in fixed.output
    unknown = _import(runner, tmp_path, "readings", readings.replace("OUT001", "NOPE01"))
    assert unknown.exit_code != 0 and "MN" in unknown.output
    bad_hour = _import(
        runner,
        tmp_path,
        "readings",
        "mn,pollutant,hour,avg,flag\nOUT001,a21026,2026-06-01T09:30,1,N\n",
    )
    assert bad_hour.exit_code != 0 and "YYYY-MM-DDTHH:00" in bad_hour.output


def test_store_readings_is_idempotent_and_splits_raw(session):
    ent = create_enterprise(session)
    session.add(
        Outlet(
            mn="OUT9",
            enterprise_id=ent.id,
            outlet_code="DA001",
            kind="gas",
            commissioned_on=dt.date(2025, 1, 1),
        )
    )
    session.commit()
    hour = dt.datetime(2026, 6, 1, 1, tzinfo=UTC)
    rows = [
        ReadingRow("OUT9", CN_HOURLY, "a21026", hour, 40.0, "N", 38.0, 42.0),
        ReadingRow("OUT9", CN_MINUTE, "a21026", hour, 39.0, "N"),
    ]
    store_readings(session, rows)
    session.commit()
    # a resend after a lost acknowledgement (even with another value) stores nothing new
    store_readings(session, [*rows, ReadingRow("OUT9", CN_HOURLY, "a21026", hour, 99.0, "N")])
    session.commit()
    assert _count(session, Reading) == 1 and _count(session, RawReading) == 1
    assert session.scalar(select(Reading.value)) == 40.0
    # a month far from any other lands in its own partition on PostgreSQL
    store_readings(
        session, [ReadingRow("OUT9", CN_HOURLY, "a21026", hour.replace(year=2031), 1.0, "N")]
    )
    session.commit()
    assert _count(session, Reading) == 2
