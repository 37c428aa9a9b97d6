"""Keyed hashes for tracking secrets and API keys, and the migration of the old ones
(security F3): validation before any hash, no argon2 on the tracking path for new rows,
legacy argon2 secrets and SHA-256 keys rewritten on their first successful use."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.errors import Invalid, NotFound
from core.passwords import hash_secret
from core.users import ApiClient, create_api_client, find_api_client, legacy_key_digest
from credit.tipoffs import codes
from credit.tipoffs import filing as tipoff_service
from credit.tipoffs.codes import find_tracked
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff
from tests.disclosure.test_tipoffs import file_through_page, receipt_codes, track

VALID = {
    "category": "air",
    "description": "工厂排放黑烟十分严重",
    "location": "某地",
    "region_code": "620100",
}


@pytest.fixture
def hashes(monkeypatch):
    """Records every keyed hash the tip-off service computes (and argon2 checks, which the
    tracking path must not make for keyed rows)."""
    calls = {"hmac": 0, "argon2": 0}
    real_hash, real_verify = tipoff_service.hash_token, codes.verify_secret

    def counted_hash(*args):
        calls["hmac"] += 1
        return real_hash(*args)

    def counted_verify(*args):
        calls["argon2"] += 1
        return real_verify(*args)

    for module in (tipoff_service, codes):
        monkeypatch.setattr(module, "hash_token", counted_hash)
    monkeypatch.setattr(codes, "verify_secret", counted_verify)
    return calls


def test_a_refused_filing_is_never_hashed(app_context, session, hashes):
    with pytest.raises(Invalid):
        file_tipoff(session, TipOffInput(**{**VALID, "region_code": "999999"}))
    assert hashes == {"hmac": 0, "argon2": 0}
    filed = file_tipoff(session, TipOffInput(**VALID))
    assert hashes["hmac"] == 1 and filed.tipoff.secret_hash.startswith("hmac-sha256$")


def test_tracking_new_rows_costs_no_argon2(app_context, session, hashes):
    filed = file_tipoff(session, TipOffInput(**VALID))
    assert find_tracked(session, filed.tracking_code, filed.secret.lower()) is filed.tipoff
    for code, secret in (
        (filed.tracking_code, "AAAA-BBBB-CCCC-DDDD"),
        ("JB-AAAAA-BBBBB", filed.secret),
        ("garbage", ""),
    ):
        with pytest.raises(NotFound):
            find_tracked(session, code, secret)
    assert hashes["argon2"] == 0


def test_a_legacy_argon2_secret_works_once_more_and_is_rehashed(app, client, session, hashes):
    _, receipt = file_through_page(client)
    code, secret = receipt_codes(receipt)
    legacy = hash_secret(secret.replace("-", ""))  # how secrets were stored before
    session.execute(update(TipOff).values(secret_hash=legacy))
    session.commit()
    assert track(client, code, "AAAA-BBBB-CCCC-DDDD").status_code == 404
    session.rollback()  # a fresh snapshot, and objects read again
    session.expire_all()
    assert session.scalar(select(TipOff.secret_hash)) == legacy  # a failure changes nothing
    assert track(client, code, secret).status_code == 200
    session.rollback()  # a fresh snapshot, and objects read again
    session.expire_all()
    assert session.scalar(select(TipOff.secret_hash)).startswith("hmac-sha256$")
    checks = hashes["argon2"]
    assert track(client, code, secret).status_code == 200
    api = client.get(f"/api/v1/tipoffs/{code}", headers={"X-Tipoff-Secret": secret})
    assert api.status_code == 200 and hashes["argon2"] == checks  # argon2 no more


def test_the_api_rehashes_a_legacy_secret_too(client, session):
    created = client.post("/api/v1/tipoffs", json={**VALID, "anonymous": True}).get_json()
    session.execute(
        update(TipOff).values(secret_hash=hash_secret(created["secret"].replace("-", "")))
    )
    session.commit()
    status = client.get(
        f"/api/v1/tipoffs/{created['tracking_code']}",
        headers={"X-Tipoff-Secret": created["secret"]},
    )
    assert status.status_code == 200
    session.rollback()  # a fresh snapshot, and objects read again
    session.expire_all()
    assert session.scalar(select(TipOff.secret_hash)).startswith("hmac-sha256$")


def test_api_keys_are_stored_as_keyed_hashes(app, session):
    with app.app_context():
        client, key = create_api_client(session, "partner")
        assert client.key_hash.startswith("hmac-sha256$") and key not in client.key_hash
        assert find_api_client(session, key).id == client.id
        app.config["HASH_KEY"] = "another key"  # a stolen database alone finds nothing
        assert find_api_client(session, key) is None


def test_a_legacy_sha256_key_is_found_once_and_rewritten(app, client, session):
    with app.app_context():
        partner, key = create_api_client(session, "legacy-partner")
    session.execute(update(ApiClient).values(key_hash=legacy_key_digest(key)))
    session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/changes", headers=headers).status_code == 200  # a GET
    session.rollback()  # a fresh snapshot, and objects read again
    session.expire_all()
    assert session.get(ApiClient, partner.id).key_hash.startswith("hmac-sha256$")
    assert client.get("/api/v1/changes", headers=headers).status_code == 200
    wrong = {"Authorization": f"Bearer {key}x"}
    assert client.get("/api/v1/changes", headers=wrong).status_code == 401
