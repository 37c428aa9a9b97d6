"""The one-time receipt (security F8, rows 9 and 10): the cookie holds no secret, the receipt
shows once, a replayed cookie shows nothing, the database alone reveals nothing."""

from __future__ import annotations

import base64
import datetime as dt
import zlib

from sqlalchemy import func, select, text

from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff, TipOffReceipt
from credit.tipoffs.receipts import issue_receipt, seal, take_receipt, unseal
from tests.disclosure.test_tipoffs import form_data, receipt_codes

COOKIE = "envcredit_session"


def _file(client):
    response = client.post(
        "/tipoffs/new", data=form_data(client), content_type="multipart/form-data"
    )
    assert response.status_code == 303
    return response


def _cookie_text(value: str) -> str:
    """The readable part of a signed Flask cookie (zlib + base64 JSON), as the review did."""
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return zlib.decompress(raw).decode() if value.startswith(".") else raw.decode()


def test_the_cookie_carries_a_token_and_never_the_secret(client):
    _file(client)
    cookie = client.get_cookie(COOKIE).value
    with client.session_transaction() as stored:
        token = stored["tipoff_receipt"]
    assert isinstance(token, str) and len(token) >= 40
    code, secret = receipt_codes(client.get("/tipoffs/receipt").get_data(as_text=True))
    for leak in (secret, secret.replace("-", ""), code):
        assert leak not in cookie and leak not in _cookie_text(cookie)


def test_the_receipt_shows_once_and_a_replayed_cookie_shows_nothing(app, client):
    _file(client)
    captured = client.get_cookie(COOKIE).value
    first = client.get("/tipoffs/receipt")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    _, secret = receipt_codes(first.get_data(as_text=True))
    for replay in (client, app.test_client()):  # the same browser, and a stolen cookie
        replay.set_cookie(COOKIE, captured)
        again = replay.get("/tipoffs/receipt")
        assert again.status_code == 302 and "/tipoffs/track" in again.headers["Location"]
        assert secret not in again.get_data(as_text=True)


def test_the_database_alone_does_not_hold_the_secret(client, session):
    _file(client)
    with client.session_transaction() as stored:
        token = stored["tipoff_receipt"]
    rows = session.execute(text("SELECT * FROM tipoff_receipts")).all()
    tipoffs = session.execute(text("SELECT * FROM tipoffs")).all()
    assert len(rows) == 1 and token not in repr(rows)
    _, secret = receipt_codes(client.get("/tipoffs/receipt").get_data(as_text=True))
    for leak in (secret, secret.replace("-", "")):
        assert leak not in repr(rows) and leak not in repr(tipoffs)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TipOffReceipt)) == 0


def test_a_seal_opens_only_with_its_token():
    sealed = seal("token-one-" * 4, "K7QM-2WXD-9PLT-F3HZ")
    assert "K7QM" not in sealed
    assert unseal("token-one-" * 4, sealed) == "K7QM-2WXD-9PLT-F3HZ"
    assert unseal("token-two-" * 4, sealed) != "K7QM-2WXD-9PLT-F3HZ"
    assert unseal("token-one-" * 4, "zz") is None


def test_unclaimed_receipts_expire_after_ten_minutes_and_are_swept(app_context, session):
    filed = file_tipoff(
        session,
        TipOffInput(
            category="air",
            description="工厂排放黑烟十分严重",
            location="某地",
            region_code="620100",
        ),
    )
    now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    stale = issue_receipt(session, filed, now=now)
    fresh = issue_receipt(session, filed, now=now + dt.timedelta(minutes=5))
    later = now + dt.timedelta(minutes=10, seconds=1)
    assert take_receipt(session, stale, now=later) is None
    assert session.scalar(select(func.count()).select_from(TipOffReceipt)) == 1  # swept
    shown = take_receipt(session, fresh, now=later)
    assert shown["secret"] == filed.secret and shown["code"] == filed.tracking_code
    assert take_receipt(session, fresh, now=later) is None
    assert take_receipt(session, {"code": "old cookie format"}, now=later) is None
    assert session.scalar(select(func.count()).select_from(TipOff)) == 1
