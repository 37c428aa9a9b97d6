"""`flask releases publish`: files whose checksums, sizes and row counts match the data
package, valid for frictionless, taken at one change-log seq; immutable; a changelog entry."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from frictionless import validate

from core.changelog import last_seq, record_change
from core.clock import today as china_today
from tests.factories import create_enterprise
from tests.releases.conftest import add_public_data, package

TODAY = china_today().isoformat()
FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def test_publish_writes_files_whose_sha256_bytes_and_rows_match_the_package(
    publish, instance, session
):
    add_public_data(session, 3)
    seq = last_seq(session)
    result = publish("--note", "首次发布")
    assert result.exit_code == 0, result.output
    folder = instance / "releases" / TODAY
    pkg = package(instance, TODAY)
    assert pkg["envcredit:change_seq"] == seq
    names = {r["path"] for r in pkg["resources"]}
    assert names == {
        f"{n}.{f}" for n in ("enterprises", "ratings", "penalties") for f in ("csv", "ndjson")
    } | {"dictionary.csv"}
    for resource in pkg["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
        if resource["format"] == "csv":
            rows = len(list(csv.reader(data.decode("utf-8").splitlines()))) - 1
            assert resource["rows"] == rows
        else:
            assert resource["envcredit:rows"] == len(data.decode("utf-8").splitlines())
    counts = {r["name"]: r.get("rows", r.get("envcredit:rows")) for r in pkg["resources"]}
    assert counts["enterprises"] == counts["enterprises-ndjson"] == 3
    assert counts["penalties"] == counts["ratings"] == 3
    sums = (folder / "SHA256SUMS").read_text("utf-8").splitlines()
    assert f"{pkg['resources'][0]['hash'][7:]}  enterprises.csv" in sums
    assert not [p for p in (instance / "releases").iterdir() if p.name.startswith(".")]


def test_frictionless_validates_the_release_and_catches_a_changed_file(publish, instance, session):
    add_public_data(session, 3)
    assert publish().exit_code == 0
    descriptor = instance / "releases" / TODAY / "datapackage.json"
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["resourceName", "type", "note"])
    cli = subprocess.run(
        [str(FRICTIONLESS), "validate", "datapackage.json"],
        cwd=descriptor.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    penalties = instance / "releases" / TODAY / "penalties.ndjson"
    penalties.write_bytes(penalties.read_bytes().replace(b"general", b"grave"))
    report = validate(str(descriptor))
    assert not report.valid
    assert [t.name for t in report.tasks if not t.valid] == ["penalties-ndjson"]
    assert ["hash-count"] in report.flatten(["type"])


def test_a_second_publish_on_the_same_date_is_refused(publish, instance, session):
    add_public_data(session, 1)
    assert publish().exit_code == 0
    before = (instance / "releases" / TODAY / "datapackage.json").read_bytes()
    create_enterprise(session)
    session.commit()
    result = publish("--note", "again")
    assert result.exit_code == 1
    assert TODAY in result.output
    assert (instance / "releases" / TODAY / "datapackage.json").read_bytes() == before


def test_dates_in_the_future_or_before_the_newest_release_are_refused(publish, session):
    add_public_data(session, 1)
    tomorrow = china_today() + dt.timedelta(days=1)
    assert publish("--date", tomorrow.isoformat()).exit_code == 1
    assert publish().exit_code == 0
    yesterday = china_today() - dt.timedelta(days=1)
    result = publish("--date", yesterday.isoformat())
    assert result.exit_code == 1 and TODAY in result.output
    assert publish("--date", "2026-13-01").exit_code == 2


def test_the_changelog_states_row_deltas_changes_the_rulebook_and_the_note(
    app, publish, instance, session
):
    add_public_data(session, 2)
    first = (china_today() - dt.timedelta(days=1)).isoformat()
    assert publish("--date", first).exit_code == 0
    ent = create_enterprise(session)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    app.config["CREDIT_RULEBOOK"] = "jiangsu-12"
    result = publish("--note", "评价规则改为江苏版")
    assert result.exit_code == 0, result.output
    changes = package(instance, TODAY)["envcredit:changes"]
    assert changes["previous"] == first
    assert changes["datasets"]["enterprises"] == {"rows": 3, "previous": 2, "delta": 1}
    assert changes["datasets"]["penalties"]["delta"] == 0
    assert changes["change_log"] == {"enterprise": 1}
    assert changes["rulebook"]["from"].startswith("cn-default@")
    assert changes["rulebook"]["to"].startswith("jiangsu-12@")
    entry = (instance / "releases" / TODAY / "CHANGELOG.md").read_text("utf-8")
    assert "enterprises: 3 行 / rows (+1)" in entry
    assert "rulebook changed: cn-default@" in entry and "评价规则改为江苏版" in entry
    whole = app.test_client().get("/data/releases/CHANGELOG.md").get_data(as_text=True)
    assert whole.index(f"## {TODAY}") < whole.index(f"## {first}")


def test_a_failed_publish_leaves_no_release_and_no_temporary_folder(
    app, instance, session, monkeypatch
):
    from credit.releases import publishing

    add_public_data(session, 1)

    def broken(*_args, **_kwargs):
        yield "{}\n"
        raise RuntimeError("disk full")

    monkeypatch.setattr(publishing, "encode_ndjson", broken)
    with app.app_context(), pytest.raises(RuntimeError):
        publishing.publish_release(instance)
    assert list((instance / "releases").iterdir()) == []


def test_the_dictionary_in_the_release_covers_every_column_of_its_table_schemas(
    publish, instance, session
):
    add_public_data(session, 1)
    assert publish().exit_code == 0
    pkg = package(instance, TODAY)
    columns = {
        (r["name"], f["name"])
        for r in pkg["resources"]
        if r["name"] != "dictionary" and "schema" in r
        for f in r["schema"]["fields"]
    }
    path = instance / "releases" / TODAY / "dictionary.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["dataset"], r["column"]) for r in rows} == columns
    level = next(r for r in rows if (r["dataset"], r["column"]) == ("enterprises", "level"))
    assert level["allowed_values"] == "green | blue | yellow | red | black"
    assert level["meaning_zh"] and level["meaning_en"] and level["source"]
    fine = next(r for r in rows if r["column"] == "fine_amount")
    assert fine["unit"] == "CNY" and json.dumps(fine)
