"""Latest penalty notices: a page, and an Atom feed valid per RFC 4287 (partner F7, security F6)."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as ET
import pytest
import time_machine
from sqlalchemy import update

from core.clock import CHINA
from credit.records.models import Enterprise, Penalty
from tests.disclosure.atom_validator import assert_valid_atom, atom_problems
from tests.factories import create_enterprise, create_penalty

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/feeds/penalties.atom"
T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def _entries(body: bytes) -> list:
    return ET.fromstring(body).findall(f"{ATOM}entry")


def _text(node, name: str) -> str:
    return node.find(f"{ATOM}{name}").text


def _stamp(node) -> dt.datetime:
    return dt.datetime.fromisoformat(_text(node, "updated"))


def test_notices_page_and_atom_feed_list_only_published_penalties(client, session):
    ent = create_enterprise(session, name="沧州<测试>纸业有限公司")
    today = dt.date.today()
    live = create_penalty(session, ent, decision_date=today - dt.timedelta(days=5))
    create_penalty(
        session,
        ent,
        decision_date=today - dt.timedelta(days=5),
        repaired_at=today - dt.timedelta(days=1),
        decision_no="已修复〔2026〕1号",
    )
    session.commit()
    page = client.get("/penalties").get_data(as_text=True)
    assert live.decision_no in page and "已修复" not in page
    feed = client.get(FEED)
    assert feed.mimetype == "application/atom+xml"
    assert_valid_atom(feed.data)
    entries = _entries(feed.data)
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/penalties/{live.id}")
    assert "沧州<测试>纸业有限公司" in _text(entries[0], "title")
    assert client.get("/penalties?before=-1").status_code == 200


def test_feed_has_an_author_and_ids_no_request_header_can_change(client, session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=dt.date.today())
    session.commit()
    plain = client.get(FEED)
    other = client.get(
        FEED,
        headers={
            "Host": "localhost:8080",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
        },
    )
    assert_valid_atom(plain.data)
    root, again = ET.fromstring(plain.data), ET.fromstring(other.data)
    assert root.find(f"{ATOM}author/{ATOM}name").text == "企业环境信用公示平台"
    assert _text(root, "id") == _text(again, "id") == "tag:envcredit.org,2026:feeds/penalties"
    assert (
        [_text(e, "id") for e in _entries(plain.data)]
        == [_text(e, "id") for e in _entries(other.data)]
        == [f"tag:envcredit.org,2026:penalty/{penalty.id}"]
    )
    assert b"evil.example" not in other.data
    assert _text(_entries(plain.data)[0], "author/" + ATOM + "name") == penalty.authority


def test_feed_author_and_tag_authority_come_from_the_configuration(app_config):
    from wsgi import create_app

    app = create_app(
        {
            **app_config,
            "SITE_NAME": "甘肃环境信用",
            "SITE_AUTHORITY": "甘肃省生态环境厅",
            "FEED_TAG_AUTHORITY": "credit.gansu.gov.cn,2027-01",
        }
    )
    try:
        body = app.test_client().get(FEED).data
        assert_valid_atom(body)
        root = ET.fromstring(body)
        assert root.find(f"{ATOM}author/{ATOM}name").text == "甘肃省生态环境厅"
        assert _text(root, "id") == "tag:credit.gansu.gov.cn,2027-01:feeds/penalties"
        assert "甘肃环境信用" in _text(root, "title")
    finally:
        app.extensions["envcredit.db"].dispose()
    with pytest.raises(ValueError, match="FEED_TAG_AUTHORITY"):
        create_app({**app_config, "FEED_TAG_AUTHORITY": "http://envcredit.org/"})


def test_feed_updated_is_the_newest_change_not_the_request_time(client, session):
    with time_machine.travel(T0, tick=False):
        ent = create_enterprise(session)
        create_penalty(session, ent, decision_date=dt.date(2026, 11, 2))
        session.commit()
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        first = client.get(FEED)
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        second = client.get(FEED)
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    root = ET.fromstring(first.data)
    assert _stamp(root) == T0 == _stamp(_entries(first.data)[0])
    published = dt.datetime.fromisoformat(_text(_entries(first.data)[0], "published"))
    assert published == dt.datetime(2026, 11, 2, tzinfo=CHINA)
    assert first.last_modified == T0


def _penalty_row(decision_no: str, fine: str) -> dict[str, str]:
    return {
        "decision_no": decision_no,
        "uscc": "91350100M000100Y43",
        "violation_type": "超标排放",
        "facts": "经查，超标排放。",
        "legal_basis": "《大气污染防治法》第九十九条",
        "penalty_kinds": "罚款",
        "fine_amount": fine,
        "decision_date": "2026-11-10",
        "authority": "兰州市生态环境局",
        "severity": "一般",
    }


def _import(session, kind: str, rows: list[dict[str, str]]) -> None:
    from credit.records.importing import import_rows

    result = import_rows(session, kind, list(enumerate(rows, start=1)))
    assert result.ok, result.errors
    session.commit()


def test_a_corrected_penalty_moves_its_entry_updated_and_to_the_top(client, session):
    """Partner review §8: re-importing 9004号 with fine 60000 → 70000 left <updated> as it was."""
    with time_machine.travel(T0, tick=False):
        _import(
            session,
            "enterprises",
            [
                {
                    "uscc": "91350100M000100Y43",
                    "name": "兰州华源化工",
                    "region_code": "620100",
                    "industry_code": "C26",
                }
            ],
        )
        _import(session, "penalties", [_penalty_row("兰环罚〔2026〕9004号", "60000")])
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        _import(session, "penalties", [_penalty_row("兰环罚〔2026〕9005号", "1000")])
        before = client.get(FEED)
    assert [_text(e, "title").rsplit("（", 1)[1] for e in _entries(before.data)] == [
        "兰环罚〔2026〕9005号）",
        "兰环罚〔2026〕9004号）",
    ]
    corrected = T0 + dt.timedelta(days=1)
    with time_machine.travel(corrected, tick=False):
        _import(session, "penalties", [_penalty_row("兰环罚〔2026〕9004号", "70000")])
        after = client.get(FEED, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert_valid_atom(after.data)
    top = _entries(after.data)[0]
    assert "9004号" in _text(top, "title") and "70000.00" in _text(top, "summary")
    assert _stamp(top) == corrected == _stamp(ET.fromstring(after.data))
    assert _stamp(_entries(after.data)[1]) == T0 + dt.timedelta(hours=1)


def test_a_penalty_leaving_the_feed_moves_feed_updated(client, session):
    with time_machine.travel(T0, tick=False):
        ent = create_enterprise(session)
        create_penalty(session, ent, decision_date=dt.date(2026, 11, 2))
        gone = create_penalty(session, ent, decision_date=dt.date(2026, 11, 3))
        session.commit()
    revoked = T0 + dt.timedelta(hours=2)
    with time_machine.travel(revoked, tick=False):
        gone.revoked_at = dt.date(2026, 11, 20)
        session.commit()
        body = client.get(FEED).data
    assert len(_entries(body)) == 1
    assert _stamp(ET.fromstring(body)) == revoked and _stamp(_entries(body)[0]) == T0


def test_a_notice_imported_before_its_decision_day_appears_on_that_day(session):
    from credit.records.notices import newest_notices

    ent = create_enterprise(session)
    with time_machine.travel(T0 - dt.timedelta(days=10), tick=False):
        early = create_penalty(session, ent, decision_date=dt.date(2026, 11, 19))
    with time_machine.travel(T0 - dt.timedelta(days=5), tick=False):
        others = [
            create_penalty(session, ent, decision_date=dt.date(2026, 11, 1)) for _ in range(3)
        ]
    session.commit()
    shown = newest_notices(session, dt.date(2026, 11, 20), limit=2)
    assert [n.penalty.id for n in shown] == [early.id, others[-1].id]
    assert shown[0].updated == dt.datetime(2026, 11, 19, tzinfo=CHINA)
    assert newest_notices(session, dt.date(2026, 11, 18), limit=2)[0].penalty.id == others[-1].id


def test_conditional_requests_get_304_until_the_feed_changes(client, session):
    with time_machine.travel(T0, tick=False):
        ent = create_enterprise(session)
        create_penalty(session, ent, decision_date=dt.date(2026, 11, 2))
        session.commit()
    first = client.get(FEED)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert modified == "Fri, 20 Nov 2026 10:00:00 GMT"
    assert first.cache_control.max_age == 300 and first.cache_control.public
    assert {"Accept-Language", "Cookie"} <= set(first.vary)
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(FEED, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(FEED, headers={"If-None-Match": '"other"'}).status_code == 200
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        ent.name = "改名后的公司"
        session.commit()
    renamed = client.get(FEED, headers={"If-Modified-Since": modified})
    assert renamed.status_code == 200 and "改名后的公司" in renamed.get_data(as_text=True)
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 200


def test_a_control_character_stored_earlier_does_not_break_the_feed(client, session):
    """Security review row 123: a U+000B in stored facts made the feed a 500 for everyone."""
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=dt.date.today())
    session.commit()
    session.execute(
        update(Penalty)
        .where(Penalty.id == penalty.id)
        .values(facts="a\x0bb\x1b", authority="兰州\x0c市生态环境局")
    )
    session.execute(update(Enterprise).values(name="华源\x01化工"))
    session.commit()
    response = client.get(FEED)
    assert response.status_code == 200
    assert_valid_atom(response.data)
    entry = _entries(response.data)[0]
    assert _text(entry, "summary").startswith("ab ") and "华源化工" in _text(entry, "title")


def test_the_validator_refuses_the_old_feed_without_author():
    old = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><id>http://h/feeds/penalties.atom</id>'
        b"<title>t</title><updated>2026-11-20T10:00:00+08:00</updated><entry>"
        b'<id>http://h/penalties/1</id><title>x</title><link href="http://h/penalties/1"/>'
        b"<updated>2026-11-20T09:00:00+08:00</updated></entry></feed>"
    )
    assert atom_problems(old) == [
        "RFC 4287 rule: an atom:feed must have an atom:author unless all of its entries have one",
        "RFC 4287 rule: an atom:entry must have an atom:author if its feed does not",
    ]
    assert atom_problems(old.replace(b"<updated>2026-11-20T10:00:00+08:00</updated>", b""))
    assert atom_problems(b"<feed") and atom_problems(old.replace(b"<title>t</title>", b""))
