"""Open311 XML is well-formed for any text (security F6): stored fields and echoed input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import defusedxml.ElementTree as ET
from hypothesis import given, settings
from hypothesis import strategies as st

from core.xmltext import xml_text
from credit.tipoffs.models import TipOff
from credit.tipoffs.public import PublicTipOff, status_note
from openapi.open311 import _detailed, _request
from openapi.open311_format import errors, reply
from tests.api.test_open311 import file

NASTY = "排放\x0b黑水\x1b\x01 ]]> <script>alert(1)</script> &amp; \ufffe\uffff \r\n end"
#: any code point, lone surrogates included, mixed with XML's special strings
TEXT = st.lists(
    st.one_of(
        st.text(st.characters(codec=None, exclude_categories=())),
        st.sampled_from(["]]>", "<", "&", "\x0b", "\ud800", "\r"]),
    ),
    max_size=6,
).map("".join)
MOMENT = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def _parsed(text: str) -> str:
    """What an XML parser returns for ``text`` written by us: forbidden characters dropped,
    line ends normalised."""
    return xml_text(text).replace("\r\n", "\n").replace("\r", "\n")


def _summary(text: str, outcome: str) -> PublicTipOff:
    tipoff = TipOff(status="closed", public_outcome=outcome)
    return PublicTipOff(
        tracking_code="JB-22222-22222",
        category="water",
        status="closed",
        closed=True,
        status_note=status_note(tipoff),
        region_code="620102",
        region_name=text,
        agency=text,
        latitude=Decimal("36.061"),
        longitude=Decimal("103.835"),
        received_at=MOMENT,
        updated_at=MOMENT,
        due_at=dt.date(2027, 1, 29),
        unplaced=False,
    )


@settings(max_examples=300, deadline=None)
@given(text=TEXT, outcome=TEXT.filter(bool))
def test_public_request_xml_is_well_formed_for_any_stored_text(text, outcome):
    body = reply([_request(_summary(text, outcome))], "xml", "service_requests").data
    request = ET.fromstring(body).find("request")
    assert request.findtext("status_notes") == _parsed(outcome)
    assert request.findtext("address") == _parsed(text)


@settings(max_examples=300, deadline=None)
@given(description=TEXT, location=TEXT, reason=TEXT.filter(bool), note=TEXT)
def test_detailed_request_xml_is_well_formed_for_any_stored_text(
    description, location, reason, note
):
    view = {
        "status": "rejected",
        "status_name": "不予受理",
        "public_outcome": None,
        "reject_reason": reason,
        "description": description,
        "location": location,
        "timeline": [
            {
                "at": MOMENT,
                "kind": "rejected",
                "label": "不予受理",
                "actor": "regulator",
                "note": note,
            }
        ],
    }
    body = reply([_detailed(_summary("兰州", "x"), view)], "xml", "service_requests").data
    request = ET.fromstring(body).find("request")
    assert request.findtext("description") == _parsed(description)
    assert request.findtext("address") == _parsed(location)
    assert request.findtext("status_notes") == _parsed(reason)
    assert request.findtext("notes/note/description") == _parsed(note)


@settings(max_examples=300, deadline=None)
@given(echoed=TEXT)
def test_error_xml_is_well_formed_for_any_echoed_input(echoed):
    body = errors("xml", 400, [f"attribute[region_code]: {echoed}"]).data
    assert ET.fromstring(body).findtext("error/description") == _parsed(
        f"attribute[region_code]: {echoed}"
    )


def test_stored_control_characters_leave_every_xml_view_well_formed(client, session):
    """Rows 122/124: an outcome or description with U+000B stored before the checks."""
    created = [file(client).get_json()[0] for _ in range(2)]
    codes = [c["service_request_id"] for c in created]
    table = TipOff.__table__
    session.execute(
        table.update()
        .where(table.c.tracking_code == codes[0])
        .values(status="closed", public_outcome=NASTY, description=NASTY, location=NASTY[:300])
    )
    session.execute(
        table.update()
        .where(table.c.tracking_code == codes[1])
        .values(status="rejected", reject_reason=NASTY)
    )
    session.commit()
    urls = [
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{codes[0]}.xml",
        f"/open311/v2/requests.xml?service_request_id={','.join(codes)}",
        f"/open311/v2/tokens/{codes[0]}.xml",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/xml", url
        assert b"<script>" not in response.data
        ET.fromstring(response.data)
    for created_one in created:
        detailed = client.get(
            f"/open311/v2/requests/{created_one['service_request_id']}.xml",
            headers={"X-Tipoff-Secret": created_one["secret"]},
        )
        assert ET.fromstring(detailed.data).findtext("request/status_notes") == _parsed(NASTY)


def test_echoed_input_in_xml_errors_is_escaped_and_well_formed(client):
    """Rows 121/122: the region code is echoed in the error; controls are refused."""
    script = "<script>alert(1)</script>]]>&amp;"
    echoed = file(client, "xml", **{"attribute[region_code]": script})
    assert echoed.status_code == 400 and b"<script>" not in echoed.data
    assert script in ET.fromstring(echoed.data).findtext("error/description")
    fields = {"attribute[region_code]": "\x0b\x1b\x01", "description": "排放\x0c黑水超过了十个字"}
    controls = file(client, "xml", service_code="<x/>", **fields)
    assert controls.status_code == 400
    ET.fromstring(controls.data)
