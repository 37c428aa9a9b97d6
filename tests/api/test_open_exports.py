"""Open data is open: exports and the data package without a key, under a per-address
download limit; ETags from the change-log seq; Table Schemas that frictionless validates
from the plain URL (partner F9, F12)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from core.changelog import record_change
from core.users import create_api_client
from tests.api.serving import serve
from tests.factories import create_enterprise, create_penalty

FRICTIONLESS = Path(sys.executable).with_name("frictionless")


@pytest.fixture
def limited(app):
    app.config["EXPORT_ANON_RATE_LIMIT"] = "2 per minute"
    return app.test_client()


def _get(client, path, **kwargs):
    with client.get(path, **kwargs) as response:
        response.get_data()
        return response


def test_anonymous_downloads_are_limited_per_address(limited, session):
    create_enterprise(session)
    session.commit()
    statuses = [_get(limited, "/api/v1/exports/enterprises.csv").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = _get(limited, "/api/v1/exports/ratings.ndjson")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["type"].endswith("/rate-limited")
    assert _get(limited, "/api/v1/exports/datapackage.json").status_code == 200


def test_a_key_lifts_the_download_limit(limited, session):
    with limited.application.app_context():
        _, key = create_api_client(session, "mirror")
    session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    statuses = [
        _get(limited, "/api/v1/exports/penalties.csv", headers=headers).status_code
        for _ in range(4)
    ]
    assert statuses == [200] * 4


def test_exports_have_etags_that_move_with_the_change_log(limited, session):
    ent = create_enterprise(session)
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    first = _get(limited, "/api/v1/exports/enterprises.csv")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    for _ in range(3):  # revalidating costs no download
        again = _get(limited, "/api/v1/exports/enterprises.csv", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["X-Change-Seq"] == "1"
    record_change(session, "enterprise", create_enterprise(session).uscc)
    session.commit()
    moved = _get(limited, "/api/v1/exports/enterprises.csv", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    assert moved.headers["X-Change-Seq"] == "2"


def test_table_schemas_have_keys_constraints_and_descriptions(client):
    package = client.get("/api/v1/exports/datapackage.json").get_json()
    schemas = {r["name"]: r["schema"] for r in package["resources"]}
    assert schemas["enterprises"]["primaryKey"] == ["uscc"]
    assert schemas["penalties"]["primaryKey"] == ["id"]
    for name in ("penalties", "ratings"):
        assert schemas[name]["foreignKeys"] == [
            {"fields": ["uscc"], "reference": {"resource": "enterprises", "fields": ["uscc"]}}
        ]
    fields = {f["name"]: f for f in schemas["enterprises"]["fields"]}
    assert fields["uscc"]["constraints"]["required"] is True
    assert fields["uscc"]["constraints"]["pattern"].startswith("[0-9A-HJ")
    assert fields["level"]["constraints"]["enum"] == ["green", "blue", "yellow", "red", "black"]
    penalty = {f["name"]: f for f in schemas["penalties"]["fields"]}
    assert penalty["fine_amount"]["constraints"]["minimum"] == 0
    assert all(" / " in f["description"] for s in schemas.values() for f in s["fields"])


def test_resource_paths_are_absolute_at_the_public_base_url(app):
    app.config["PUBLIC_BASE_URL"] = "https://credit.example.gov.cn"
    package = (
        app.test_client()
        .get("/api/v1/exports/datapackage.json", headers={"Host": "localhost"})
        .get_json()
    )
    assert [r["path"] for r in package["resources"]] == [
        f"https://credit.example.gov.cn/api/v1/exports/{n}.csv"
        for n in ("enterprises", "ratings", "penalties")
    ]


def test_frictionless_validates_the_plain_url(app, session):
    from core.clock import today as china_today
    from credit.ratings.loader import load_rulebook
    from credit.ratings.rescoring import rescore

    for _ in range(3):
        ent = create_enterprise(session)
        create_penalty(session, ent, decision_date=china_today() - dt.timedelta(days=9))
    rescore(session, None, china_today(), load_rulebook("cn-default"))
    session.commit()
    with serve(app) as base:
        result = subprocess.run(
            [str(FRICTIONLESS), "validate", f"{base}/api/v1/exports/datapackage.json"],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout.upper() and "INVALID" not in result.stdout.upper()
