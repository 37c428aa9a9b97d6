"""POST /api/v1/records/{kind} goes through the importer's text rule (security F6, row 123)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from core.users import create_api_client
from credit.records.models import Penalty
from tests.factories import create_enterprise


@pytest.fixture
def writer(app, session):
    with app.app_context():
        _, key = create_api_client(session, "case-system", ["records:write"])
    session.commit()
    return {"Authorization": f"Bearer {key}"}


def _penalty(uscc: str, facts: str) -> dict[str, str]:
    """The review's reproduction row (row 123), with today's date so the feed would show it."""
    return {
        "decision_no": "VT-1",
        "uscc": uscc,
        "violation_type": "x",
        "facts": facts,
        "legal_basis": "x",
        "penalty_kinds": "罚款",
        "fine_amount": "1",
        "decision_date": dt.date.today().isoformat(),
        "authority": "x",
        "severity": "一般",
    }


def test_a_vertical_tab_in_pushed_facts_is_refused_and_the_feed_stays_up(client, session, writer):
    uscc = create_enterprise(session).uscc
    session.commit()
    response = client.post(
        "/api/v1/records/penalties", headers=writer, json={"records": [_penalty(uscc, "a\u000bb")]}
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {
        "records[1].facts": ["含有控制字符 \\x0b / contains control characters (\\x0b)"]
    }
    assert session.scalar(select(func.count()).select_from(Penalty)) == 0
    feed = client.get("/feeds/penalties.atom")
    assert feed.status_code == 200 and b"<entry>" not in feed.data


@pytest.mark.parametrize("facts", ["a\u0000b", "a\u001bb", "a\ud800b", "a\uffffb"])
def test_other_characters_no_text_may_hold_are_422_never_500(client, session, writer, facts):
    uscc = create_enterprise(session).uscc
    session.commit()
    body = json.dumps({"records": [_penalty(uscc, facts)]})  # json.dumps keeps \ud800 escaped
    response = client.post(
        "/api/v1/records/penalties", headers=writer, data=body, content_type="application/json"
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert list(response.get_json()["errors"]) == ["records[1].facts"]
    assert session.scalar(select(func.count()).select_from(Penalty)) == 0


def test_plain_text_with_newlines_is_stored(client, session, writer):
    uscc = create_enterprise(session).uscc
    session.commit()
    response = client.post(
        "/api/v1/records/penalties",
        headers=writer,
        json={"records": [_penalty(uscc, "第一段\r\n第二段\t完")]},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert session.scalar(select(Penalty.facts)) == "第一段\r\n第二段\t完"
