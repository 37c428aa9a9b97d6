"""Per-address buckets counted before anything else (security F3 filing part, I1, F15) and
no-store on every answer that carries a secret (I2); a refused filing stores nothing."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.changelog import ChangeLog
from credit.cases.models import Objection, RepairApplication
from credit.tipoffs.models import Attachment, TipOff, TipOffEvent
from tests.disclosure.conftest import csrf_token
from tests.disclosure.test_tipoffs import (
    FAKE_EXE,
    file_through_page,
    jpeg_with_gps,
    track,
    upload_files,
)
from tests.factories import create_enterprise, create_penalty

API_BODY = {
    "category": "water",
    "description": "河道排污口持续排放发黑污水",
    "location": "黄河",
    "region_code": "620100",
    "anonymous": True,
}


def test_page_and_api_filing_share_one_bucket_refusals_included(app, client, session):
    app.config["TIPOFF_RATE_LIMIT"] = "3 per hour"
    assert file_through_page(client, region_code="999999")[0].status_code == 422
    assert client.post("/api/v1/tipoffs", json={**API_BODY, "extra": 1}).status_code == 422
    assert client.post("/api/v1/tipoffs", json=API_BODY).status_code == 201
    assert client.post("/api/v1/tipoffs", json=API_BODY).status_code == 429
    assert file_through_page(client)[0].status_code == 429
    assert session.scalar(select(func.count()).select_from(TipOff)) == 1


def test_page_and_api_tracking_share_one_bucket(app, client):
    app.config["TIPOFF_TRACK_RATE_LIMIT"] = "3 per hour"
    for _ in range(3):
        assert track(client, "JB-22222-22222", "AAAA-BBBB-CCCC-DDDD").status_code == 404
    api = client.get("/api/v1/tipoffs/JB-22222-22222", headers={"X-Tipoff-Secret": "x"})
    assert api.status_code == 429 and api.mimetype == "application/problem+json"
    page = track(client, "JB-22222-22222", "AAAA-BBBB-CCCC-DDDD")
    assert page.status_code == 429 and "分钟后再试" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) > 0


def test_api_tracking_counts_before_the_secret_header_is_checked(app, client):
    app.config["TIPOFF_TRACK_RATE_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert client.get("/api/v1/tipoffs/JB-22222-22222").status_code == 422  # no header
    assert client.get("/api/v1/tipoffs/JB-22222-22222").status_code == 429


def test_objections_and_repairs_share_the_case_filing_bucket(app, client, session):
    app.config["CASE_RATE_LIMIT"] = "3 per hour"
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=200))
    session.commit()
    path = f"/enterprises/{ent.uscc}/objection"
    token = csrf_token(client, path)
    objection = {"csrf_token": token, "target": "rating:", "contact": "x"}
    assert client.post(path, data={**objection, "claim": "?"}).status_code == 422  # counted
    assert client.post(path, data={**objection, "claim": "评价有误，请核实"}).status_code == 302
    repair = f"/penalties/{penalty.id}/repair"
    assert client.post(repair, data={"csrf_token": token, "reason": "x"}).status_code == 422
    for refused in (
        client.post(path, data={**objection, "claim": "再次提出异议"}),
        client.post(repair, data={"csrf_token": token, "reason": "已整改完毕"}),
    ):
        assert refused.status_code == 429 and "秒后再试" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Objection)) == 1
    assert session.scalar(select(func.count()).select_from(RepairApplication)) == 0


def test_every_answer_with_a_secret_or_reporter_data_is_no_store(client):
    created = client.post("/api/v1/tipoffs", json=API_BODY)
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    named = file_through_page(client, identity="named", reporter_name="王五", description="太短")[0]
    assert named.status_code == 422 and named.headers["Cache-Control"] == "no-store"
    response = client.post(
        "/tipoffs/new",
        data={
            "csrf_token": csrf_token(client, "/tipoffs/new"),
            "category": "air",
            "description": "化工厂夜间排放刺鼻黑烟。",
            "location": "x",
            "region_code": "620100",
        },
    )
    receipt = client.get(response.headers["Location"])
    assert receipt.headers["Cache-Control"] == "no-store"
    assert client.get("/tipoffs/track").headers["Cache-Control"] == "no-store"


BREAKERS = [
    {"category": "smell"},
    {"description": "短"},
    {"location": ""},
    {"region_code": "999999"},
    {"region_code": ""},
    {"latitude": "95", "longitude": "1"},
    {"latitude": "1"},
    {"enterprise": "不存在的企业甲乙丙", "region_code": ""},
    {"identity": "named"},
    {"identity": "named", "reporter_name": "李四", "reporter_email": "nope"},
]


def _counts(session) -> tuple[int, ...]:
    session.rollback()  # a fresh snapshot
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (TipOff, TipOffEvent, Attachment, AuditEvent, ChangeLog)
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    breaker=st.sampled_from(BREAKERS),
    extra=st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30),
    files=st.lists(st.sampled_from(["photo", "exe", "none"]), max_size=3),
)
def test_a_refused_filing_stores_nothing(app, client, session, breaker, extra, files):
    app.config["TIPOFF_RATE_LIMIT"] = "1000000 per hour"
    uploads = [
        (io.BytesIO(jpeg_with_gps() if kind == "photo" else FAKE_EXE), f"{kind}.jpg")
        for kind in files
        if kind != "none"
    ]
    before = _counts(session)
    overrides = {**breaker, "location": breaker.get("location", "某地" + extra.strip())}
    response, _ = file_through_page(client, attachments=uploads, **overrides)
    assert response.status_code == 422
    api = client.post(
        "/api/v1/tipoffs",
        json={**API_BODY, "region_code": "999999", "location": "某地" + extra.strip()},
    )
    assert api.status_code == 422
    assert _counts(session) == before == (0, 0, 0, 0, 0)
    # files that passed their checks wait under pending/ for the corrected form, no more
    assert [p.name for p in upload_files(app)] in ([], ["pending"])
