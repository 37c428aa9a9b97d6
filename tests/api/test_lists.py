"""API lists: keyset paging with Link headers, filters, 双公示 CF_* format, published only."""

from __future__ import annotations

import datetime as dt

from tests.factories import create_enterprise, create_penalty

TODAY = dt.date.today()


def _walk(client, url):
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        seen += response.get_json()["items"]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")].replace("http://localhost", "") if link else None
    return seen


def test_enterprise_paging_returns_every_row_once(client, session):
    made = {create_enterprise(session).uscc for _ in range(7)}
    session.commit()
    seen = _walk(client, "/api/v1/enterprises?limit=3")
    assert sorted(e["uscc"] for e in seen) == sorted(made)


def test_penalties_published_only_with_filters_and_cf(client, session):
    ent = create_enterprise(session)
    other = create_enterprise(session, region_code="411300")
    live = create_penalty(
        session, ent, decision_date=TODAY - dt.timedelta(days=10), fine_amount_fen=25_500_000
    )
    create_penalty(
        session,
        ent,
        decision_date=TODAY - dt.timedelta(days=10),
        repaired_at=TODAY - dt.timedelta(days=1),
    )
    create_penalty(session, ent, decision_date=TODAY - dt.timedelta(days=800))  # expired
    elsewhere = create_penalty(session, other, decision_date=TODAY - dt.timedelta(days=5))
    session.commit()
    ids = [p["id"] for p in _walk(client, "/api/v1/penalties?limit=1")]
    assert ids == [live.id, elsewhere.id]
    assert [p["id"] for p in client.get("/api/v1/penalties?region=620100").get_json()["items"]] == [
        live.id
    ]
    cf = client.get(f"/api/v1/penalties/{live.id}?format=cf").get_json()
    assert cf["CF_WSH"] == live.decision_no and cf["CF_NR_FK"] == "25.5"
    assert cf["CF_XDR_SHXYM"] == ent.uscc and cf["CF_FRDB"] == "张三"
    listed = client.get("/api/v1/penalties?format=cf&uscc=" + ent.uscc).get_json()["items"]
    assert [p["CF_WSH"] for p in listed] == [live.decision_no]


def test_unpublished_penalty_is_a_404_problem(client, session):
    ent = create_enterprise(session)
    gone = create_penalty(
        session,
        ent,
        revoked_at=TODAY - dt.timedelta(days=1),
        decision_date=TODAY - dt.timedelta(days=30),
    )
    session.commit()
    response = client.get(f"/api/v1/penalties/{gone.id}")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_inspections_and_permits_lists(client, session):
    from credit.records.models import Inspection, Permit

    ent = create_enterprise(session)
    session.add_all(
        [
            Inspection(
                enterprise_id=ent.id,
                date=TODAY,
                agency="兰州市生态环境局",
                kind="random",
                outcome="compliant",
            ),
            Inspection(
                enterprise_id=ent.id,
                date=TODAY,
                agency="另一机关",
                kind="random",
                outcome="issues_found",
                withdrawn_at=TODAY,
            ),
            Permit(
                enterprise_id=ent.id,
                permit_no=ent.uscc + "001P",
                category="key",
                valid_from=TODAY,
                valid_until=TODAY + dt.timedelta(days=1000),
                status="valid",
            ),
        ]
    )
    session.commit()
    inspections = client.get("/api/v1/inspections?uscc=" + ent.uscc).get_json()["items"]
    assert [i["agency"] for i in inspections] == ["兰州市生态环境局"]
    permits = client.get("/api/v1/permits").get_json()["items"]
    assert permits[0]["permit_no"] == ent.uscc + "001P"
