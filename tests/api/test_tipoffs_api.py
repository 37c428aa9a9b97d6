"""Tip-off API and the whole story, with a scan of every public response for reporter identity."""

from __future__ import annotations

import io
import logging
import re

import pytest
from sqlalchemy import func, select

from core.changelog import ChangeLog
from credit.records.models import Inspection
from credit.tipoffs.models import TipOff
from openapi.tipoffs import TipOffStatusSchema
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.disclosure.test_tipoffs import (
    file_through_page,
    jpeg_with_gps,
    receipt_codes,
    track,
)
from tests.factories import create_enterprise, create_penalty

#: planted identity: none of these may appear in any public response or log line
NAME, PHONE, EMAIL = "独特举报人甄Z9", "13987654321", "unique.reporter.z9@example.org"
PLANTED = (NAME, PHONE, EMAIL)
REPORTER_FIELDS = {
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "anonymous",
    "secret_hash",
    "assigned_to",
}


def _body(**overrides):
    body = {
        "category": "water",
        "description": "河道排污口持续排放发黑污水",
        "location": "黄河西固段",
        "region_code": "620100",
        "anonymous": True,
    }
    body.update(overrides)
    return body


def test_file_and_follow_through_the_api(client, session):
    response = client.post("/api/v1/tipoffs", json=_body(latitude=36.06, longitude=103.8))
    assert response.status_code == 201
    created = response.get_json()
    assert set(created) == {
        "tracking_code",
        "secret",
        "accept_due_at",
        "due_at",
        "possible_duplicates",
    }
    assert created["possible_duplicates"] == []
    status = client.get(
        f"/api/v1/tipoffs/{created['tracking_code']}",
        headers={"X-Tipoff-Secret": created["secret"]},
    )
    assert status.status_code == 200 and status.headers["Cache-Control"] == "no-store"
    body = status.get_json()
    assert body["status"] == "received" and body["timeline"][0]["kind"] == "received"
    assert not REPORTER_FIELDS & set(body)
    tipoff = session.scalar(select(TipOff))
    assert tipoff.source == "api" and float(tipoff.latitude) == pytest.approx(36.06)


def test_wrong_secret_and_unknown_code_are_the_same_404(client):
    created = client.post("/api/v1/tipoffs", json=_body()).get_json()
    wrong = client.get(
        f"/api/v1/tipoffs/{created['tracking_code']}",
        headers={"X-Tipoff-Secret": "AAAA-BBBB-CCCC-DDDD"},
    )
    unknown = client.get(
        "/api/v1/tipoffs/JB-AAAAA-BBBBB", headers={"X-Tipoff-Secret": created["secret"]}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.mimetype == "application/problem+json"
    # type, title and detail alike (each request has its own id)
    assert {**wrong.get_json(), "request_id": None} == {**unknown.get_json(), "request_id": None}
    missing = client.get(f"/api/v1/tipoffs/{created['tracking_code']}")
    assert missing.status_code == 422


@pytest.mark.parametrize(
    "changes",
    [
        {"category": "smell"},
        {"description": "短"},
        {"description": "x" * 4001},
        {"latitude": 91, "longitude": 0},
        {"region_code": "12"},
        {"anonymous": None},
        {"extra": 1},
        {"region_code": None},
        {"enterprise_uscc": "x" * 65},
        {"anonymous": False, "reporter_name": NAME, "reporter_phone": "call-me " + PHONE},
        {"description": "含有空字符\x00的举报内容描述"},
        {"anonymous": False, "reporter_name": NAME + "\x00", "reporter_email": EMAIL},
    ],
)
def test_invalid_bodies_are_422_store_nothing_and_echo_no_identity(client, session, changes):
    response = client.post("/api/v1/tipoffs", json=_body(**changes))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    text = response.get_data(as_text=True)
    assert not any(p in text for p in PLANTED)
    assert session.scalar(select(func.count()).select_from(TipOff)) == 0


def test_status_schema_and_spec_have_no_reporter_fields(client):
    assert not REPORTER_FIELDS & set(TipOffStatusSchema().fields)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/tipoffs", "/api/v1/tipoffs/{tracking_code}", "/api/v1/stats/tipoffs"):
        assert path in spec["paths"]
    status = spec["components"]["schemas"]["TipOffStatus"]["properties"]
    assert not REPORTER_FIELDS & set(status)


def test_monthly_statistics(client):
    client.post("/api/v1/tipoffs", json=_body())
    client.post("/api/v1/tipoffs", json=_body(category="air"))
    stats = client.get("/api/v1/stats/tipoffs").get_json()
    assert stats["received"] == 2 and stats["closed"] == 0 and stats["on_time_rate"] is None
    assert {c["category"] for c in stats["by_category"]} == {"air", "water"}
    assert stats["by_region"][0]["region_name"] == "兰州市"
    assert len(stats["series"]) == 12 and stats["series"][-1]["received"] == 2
    assert client.get("/api/v1/stats/tipoffs?month=2026-13").status_code == 422
    assert client.get("/api/v1/stats/tipoffs?month=1999-01").status_code == 422
    assert client.get("/api/v1/stats/tipoffs?month=2020-01").get_json()["received"] == 0


def test_api_filing_is_rate_limited_refused_filings_included(app, client):
    app.config["TIPOFF_RATE_LIMIT"] = "3 per hour"
    assert client.post("/api/v1/tipoffs", json=_body(description="短")).status_code == 422
    assert client.post("/api/v1/tipoffs", json={"category": 1}).status_code == 422  # schema
    responses = [client.post("/api/v1/tipoffs", json=_body()) for _ in range(2)]
    assert [r.status_code for r in responses] == [201, 429]
    assert responses[1].mimetype == "application/problem+json"
    assert "Retry-After" in responses[1].headers


def _pdf_text(data: bytes) -> str:
    """A PDF's text by pdftotext (poppler-utils); without it, the raw bytes."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        return data.decode("latin-1")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True)
    return out.stdout.decode("utf-8")


def _public_urls(app, values):
    """Every public GET route whose arguments we can fill (no /regulator, no assets)."""
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/regulator"):
            continue
        if "assets" in rule.rule or "static" in rule.endpoint:
            continue
        if set(rule.arguments) <= set(values):
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(values[arg]), path)
            urls.add(path)
    return sorted(urls)


def _story(client, session, regulator, ent):
    """File named with a photo on the page, track, then a regulator handles it."""
    photo = (io.BytesIO(jpeg_with_gps(marker=NAME)), f"{NAME}.jpg")
    _, receipt = file_through_page(
        client,
        enterprise=ent.uscc,
        region_code="",
        identity="named",
        reporter_name=NAME,
        reporter_phone=PHONE,
        reporter_email=EMAIL,
        attachments=[photo],
    )
    assert receipt is not None and not any(p in receipt for p in PLANTED)
    code, secret = receipt_codes(receipt)
    assert "已接收" in track(client, code, secret).get_data(as_text=True)
    tid = session.scalar(select(TipOff.id).where(TipOff.tracking_code == code))
    login(client, regulator.email)
    for action, data in (
        ("accept", {}),
        (
            "close",
            {
                "outcome": "现场检查发现废水处理设施停运，已立案查处。",
                "substantiated": "yes",
                "confirm": "yes",
            },
        ),
    ):
        token = csrf_token(client, "/regulator/tipoffs/")
        assert (
            client.post(
                f"/regulator/tipoffs/{tid}/{action}", data={"csrf_token": token, **data}
            ).status_code
            == 303
        )
    with client.session_transaction() as cookie_session:
        cookie_session.clear()  # log out: everything below is what the public sees
    return code, secret


def test_whole_story_and_no_reporter_identity_anywhere_public(app, client, session, caplog):
    caplog.set_level(logging.INFO)  # the level the app logs at (wsgi.create_app)
    regulator = make_regulator(session, "story@example.cn")
    ent = create_enterprise(session, name="兰州举报故事化工有限公司")
    penalty = create_penalty(session, ent)
    session.commit()
    code, secret = _story(client, session, regulator, ent)
    session.rollback()  # end the test's read snapshot before looking at the results
    # the citizen sees the outcome
    page = track(client, code, secret).get_data(as_text=True)
    assert "已办结" in page and "经查属实" in page and "废水处理设施停运" in page
    api = client.get(f"/api/v1/tipoffs/{code}", headers={"X-Tipoff-Secret": secret}).get_json()
    assert api["status"] == "closed" and api["substantiated"] is True
    # the credit file follows: an inspection and change-log rows for rescoring
    inspection = session.scalar(select(Inspection).where(Inspection.enterprise_id == ent.id))
    assert inspection is not None and inspection.kind == "complaint"
    changed = session.scalars(select(ChangeLog).where(ChangeLog.enterprise_id == ent.id)).all()
    assert {c.entity for c in changed} >= {"inspection", "enterprise"}
    # scan every public response
    values = {"uscc": ent.uscc, "penalty_id": penalty.id, "tracking_code": code}
    bodies = [page, receipt_free_pages(client)]
    for url in _public_urls(app, values):
        with client.get(url, headers={"X-Tipoff-Secret": secret}) as response:
            assert response.status_code < 500, url
            if response.mimetype == "application/pdf":  # the credit report: its text
                bodies.append(_pdf_text(response.data))
            else:
                bodies.append(response.get_data(as_text=True))
    bodies.append(client.get("/api/v1/changes?after=0&limit=1000").get_data(as_text=True))
    bodies.append(client.get("/stats").get_data(as_text=True))
    bodies += [
        client.get(f"/open311/v2/requests/{code}.{fmt}").get_data(as_text=True)
        for fmt in ("json", "xml")
    ]
    from core.users import create_api_client

    session.rollback()  # a fresh snapshot: the report PDF (a GET that writes) committed since
    with app.app_context():
        _, key = create_api_client(session, "scanner", ["exports"])
    session.commit()
    for name in ("enterprises.csv", "ratings.ndjson", "penalties.csv", "datapackage.json"):
        with client.get(
            f"/api/v1/exports/{name}", headers={"Authorization": f"Bearer {key}"}
        ) as response:
            assert response.status_code == 200, name
            bodies.append(response.get_data(as_text=True))
    for body in bodies:
        assert not any(p in body for p in PLANTED)
    assert not any(p in caplog.text for p in PLANTED)


def receipt_free_pages(client) -> str:
    """Pages a passer-by can open without any code: the form, tracking and statistics."""
    return "".join(
        client.get(u).get_data(as_text=True)
        for u in ("/tipoffs/new", "/tipoffs/track", "/stats", "/")
    )
