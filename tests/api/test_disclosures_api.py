"""GET /api/v1/disclosures: the obliged list with each status, as the page shows it."""

from __future__ import annotations

import datetime as dt

from core.clock import today as china_today
from credit.obligations.models import DisclosureObligation
from credit.records.models import DisclosureReport
from tests.factories import create_enterprise, ensure_reference


def test_list_with_statuses_counts_region_and_pages(client, session):
    year = china_today().year - 1
    ensure_reference(session, "620102")
    on_time = create_enterprise(session)
    late = create_enterprise(session)
    missing = create_enterprise(session, region_code="620102")
    for ent in (on_time, late, missing):
        session.add(DisclosureObligation(enterprise_id=ent.id, year=year))
    session.add(
        DisclosureReport(enterprise_id=on_time.id, year=year, submitted_at=dt.date(year + 1, 3, 2))
    )
    session.add(
        DisclosureReport(enterprise_id=late.id, year=year, submitted_at=dt.date(year + 1, 5, 2))
    )
    session.commit()
    body = client.get(f"/api/v1/disclosures?year={year}").get_json()
    assert body["counts"] == {"on_time": 1, "late": 1, "missing": 1, "not_yet_due": 0}
    assert body["due"] == f"{year + 1}-03-15" and body["total"] == 3
    status = {i["uscc"]: (i["status"], i["submitted_at"]) for i in body["items"]}
    assert status == {
        on_time.uscc: ("on_time", f"{year + 1}-03-02"),
        late.uscc: ("late", f"{year + 1}-05-02"),
        missing.uscc: ("missing", None),
    }
    region = client.get(f"/api/v1/disclosures?year={year}&region=620102").get_json()
    assert [i["uscc"] for i in region["items"]] == [missing.uscc]
    paged = client.get(f"/api/v1/disclosures?year={year}&limit=2&page=2").get_json()
    assert (paged["pages"], len(paged["items"]), paged["counts"]["late"]) == (2, 1, 1)
    default = client.get("/api/v1/disclosures").get_json()
    assert default["year"] == year


def test_bad_parameters_are_problems(client, session):
    create_enterprise(session)
    session.commit()
    for query in ("year=1800", "region=62", "region=999999", "page=0", "page=2", "limit=5000"):
        response = client.get(f"/api/v1/disclosures?{query}")
        assert response.status_code in (400, 422), query
        assert response.mimetype == "application/problem+json", query


def test_a_case_system_pushes_the_list(app, client, session):
    from sqlalchemy import func, select

    from core.users import create_api_client

    ent = create_enterprise(session)
    with app.app_context():
        _, key = create_api_client(session, "case-system", ["records:write"])
    session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    records = [{"uscc": ent.uscc, "year": 2025}, {"uscc": ent.uscc, "year": 2025}]
    bad = client.post("/api/v1/records/obligations", headers=headers, json={"records": records})
    assert bad.status_code == 422 and "records[2].year" in bad.get_json()["errors"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DisclosureObligation)) == 0
    good = client.post(
        "/api/v1/records/obligations", headers=headers, json={"records": records[:1]}
    )
    assert good.status_code in (200, 201), good.get_json()
    listed = client.get("/api/v1/disclosures?year=2025").get_json()
    assert [i["uscc"] for i in listed["items"]] == [ent.uscc]
