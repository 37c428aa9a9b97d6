"""Property: whatever text is stored, the Atom feed stays valid (security F6, partner F7)."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as ET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import CHINA
from core.xmltext import xml_text
from credit.records.models import Penalty
from credit.records.notices import Notice
from tests.disclosure.atom_validator import assert_valid_atom

ATOM = "{http://www.w3.org/2005/Atom}"
#: pieces that broke or could break XML writers: C0/C1 controls, lone surrogates, the
#: non-characters U+FFFE/U+FFFF, CDATA ends, markup and entities
NASTY = [
    "\x00",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
    "]]>",
    "<script>alert(1)</script>",
    "&amp;",
    "&#0;",
    "\r\n",
    "\t",
    " ",
]
TEXT = st.lists(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(NASTY)), max_size=24
).map("".join)
MOMENT = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 1, 1), timezones=st.just(dt.UTC)
)


@st.composite
def notices(draw: st.DrawFn) -> Notice:
    decided = draw(st.dates(dt.date(2000, 1, 1), dt.date(2098, 1, 1)))
    penalty = Penalty(
        id=draw(st.integers(1, 2**31 - 1)),
        enterprise_id=1,
        decision_no=draw(TEXT),
        violation_type=draw(TEXT),
        facts=draw(TEXT),
        authority=draw(TEXT),
        fine_amount_fen=draw(st.integers(0, 10**15)),
        decision_date=decided,
        updated_at=draw(MOMENT),
    )
    published = dt.datetime.combine(decided, dt.time(0), CHINA)
    return Notice(
        penalty, "91350100M000100Y43", draw(TEXT), published, max(penalty.updated_at, published)
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=st.lists(notices(), max_size=4, unique_by=lambda n: n.penalty.id), title=TEXT)
def test_any_stored_text_still_gives_a_valid_feed(app, items, title):
    from disclosure.feeds import FeedHead, atom_document, penalty_entry

    with app.test_request_context("/feeds/penalties.atom"):
        head = FeedHead(
            "tag:envcredit.org,2026:feeds/penalties",
            title,
            "http://localhost/f",
            "http://localhost/p",
            title,
            "http://localhost/",
            "zh-CN",
            max((n.updated for n in items), default=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        )
        body = atom_document(head, [penalty_entry(n) for n in items])
    assert_valid_atom(body)
    entries = ET.fromstring(body).findall(f"{ATOM}entry")
    for notice, entry in zip(items, entries, strict=True):
        shown = entry.find(f"{ATOM}title").text
        assert shown == xml_text(
            f"{notice.enterprise_name}：{notice.penalty.violation_type}"
            f"（{notice.penalty.decision_no}）"
        )
        assert entry.find(f"{ATOM}summary").text.startswith(xml_text(notice.penalty.facts))
