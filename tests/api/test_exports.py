"""Bulk exports: key with scope, streamed CSV/NDJSON equal to the database, data package."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from core.changelog import record_change
from core.users import create_api_client
from tests.factories import create_enterprise, create_penalty


@pytest.fixture
def keys(app, session):
    with app.app_context():  # the keys' hashes are keyed with the app's HASH_KEY
        _, plain = create_api_client(session, "reader")
        _, exporter = create_api_client(session, "exporter", ["exports"])
    session.commit()
    return {
        "plain": {"Authorization": f"Bearer {plain}"},
        "exports": {"Authorization": f"Bearer {exporter}"},
    }


def test_exports_are_open_without_a_key(client, keys):
    with client.get("/api/v1/exports/enterprises.csv") as anonymous:
        assert anonymous.status_code == 200 and anonymous.mimetype == "text/csv"
    with client.get("/api/v1/exports/enterprises.ndjson", headers=keys["plain"]) as keyed:
        assert keyed.status_code == 200 and keyed.mimetype == "application/x-ndjson"
    assert client.get("/api/v1/exports/datapackage.json").status_code == 200
    assert client.get("/api/v1/exports/nothing.csv").status_code == 404


def test_csv_and_ndjson_equal_the_database(client, session, keys):
    ent = create_enterprise(session, name='导出测试,有逗号"和引号"公司')
    create_enterprise(session)
    live = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=3))
    create_penalty(
        session,
        ent,
        decision_date=dt.date.today() - dt.timedelta(days=3),
        revoked_at=dt.date.today(),
    )
    record_change(session, "penalty", live.id, enterprise_id=ent.id)
    session.commit()
    with client.get("/api/v1/exports/enterprises.csv", headers=keys["exports"]) as response:
        assert response.status_code == 200 and response.headers["X-Change-Seq"] == "1"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2
    assert ent.name in {r["name"] for r in rows}
    with client.get("/api/v1/exports/penalties.ndjson", headers=keys["exports"]) as response:
        lines = [json.loads(x) for x in response.get_data(as_text=True).splitlines()]
    assert [p["decision_no"] for p in lines] == [live.decision_no]


def test_datapackage_validates_with_frictionless(client, session, keys, tmp_path):
    from frictionless import validate

    create_penalty(
        session, create_enterprise(session), decision_date=dt.date.today() - dt.timedelta(days=3)
    )
    session.commit()
    package = client.get("/api/v1/exports/datapackage.json", headers=keys["exports"]).get_json()
    for resource in package["resources"]:
        with client.get(
            f"/api/v1/exports/{resource['name']}.csv", headers=keys["exports"]
        ) as response:
            (tmp_path / f"{resource['name']}.csv").write_bytes(response.data)
        resource["path"] = f"{resource['name']}.csv"
    (tmp_path / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False), encoding="utf-8"
    )
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.stats["tasks"] == 3  # every resource was read and checked


def test_csv_rows_equal_the_public_snapshots(client, session, keys):
    """The CSV streams from one cursor; every cell must equal the snapshot builders' value."""
    from core.clock import today as china_today
    from credit.demo.load import load_demo
    from credit.kinds import snapshots
    from credit.ratings.loader import load_rulebook
    from credit.ratings.rescoring import rescore

    load_demo(session, 40, seed=3)
    rescore(session, None, china_today(), load_rulebook("cn-default"))
    session.commit()
    for name, entity, key in (
        ("enterprises", "enterprise", "uscc"),
        ("ratings", "rating", "uscc"),
        ("penalties", "penalty", "id"),
    ):
        with client.get(f"/api/v1/exports/{name}.csv", headers=keys["exports"]) as response:
            rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        snaps = snapshots(session, entity, [r[key] for r in rows], china_today())
        assert rows and all(snaps.values())
        for row in rows:
            snap = snaps[row[key]]
            assert row == {k: "" if snap[k] is None else str(snap[k]) for k in row}, name
        with client.get(f"/api/v1/exports/{name}.ndjson", headers=keys["exports"]) as response:
            lines = [json.loads(x) for x in response.get_data(as_text=True).splitlines()]
        assert [str(x[key]) for x in lines] == [r[key] for r in rows]
