"""The regulators' second factor: enrolment (required by default), the code step, TOTP replay,
recovery codes, lockout and throttle of the code step, the optional mode, encryption at rest."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import time_machine
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import utcnow
from core.mfa import RecoveryCode, seal, unseal
from core.users import User
from tests.disclosure.conftest import (
    csrf_token,
    enrolment_secret,
    login,
    password_step,
    submit_code,
    unused_code,
)

ENROL = "/regulator/mfa/enrol"
CODE = "/regulator/login/code"


def _enrol(client, email: str) -> tuple[str, list[str]]:
    """First login: enrol; returns the secret and the recovery codes shown once."""
    location = password_step(client, email).headers["Location"]
    secret = enrolment_secret(client, location)
    done = submit_code(client, location, pyotp.TOTP(secret).now())
    assert done.status_code == 302 and "/regulator/mfa/recovery-codes" in done.headers["Location"]
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    codes = re.findall(r'<code class="big">([A-Z0-9]{5}-[A-Z0-9]{5})</code>', page)
    return secret, codes


def _logout(client) -> None:
    client.post("/regulator/logout", data={"csrf_token": csrf_token(client, "/regulator/")})


def test_required_mfa_sends_a_new_regulator_to_enrolment_and_nothing_else(
    client, session, regulator
):
    response = password_step(client, regulator.email)
    assert response.status_code == 302 and response.headers["Location"].startswith(ENROL)
    for path in ("/regulator/", "/regulator/tipoffs/", "/regulator/account/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"].startswith(ENROL)
    page = client.get(ENROL).get_data(as_text=True)
    assert "<svg" in page and 'id="totp-secret"' in page and "<script" not in page
    assert submit_code(client, ENROL, "000000").status_code == 422
    session.refresh(regulator)
    assert regulator.totp_secret is None and not regulator.mfa_enrolled
    secret = enrolment_secret(client, ENROL)
    assert submit_code(client, ENROL, pyotp.TOTP(secret).now()).status_code == 302
    assert client.get("/regulator/").status_code == 200


def test_recovery_codes_are_shown_once_and_stored_as_keyed_hashes(client, session, regulator):
    _, codes = _enrol(client, regulator.email)
    assert len(codes) == 10 and len(set(codes)) == 10
    again = client.get("/regulator/mfa/recovery-codes").get_data(as_text=True)
    assert not any(code in again for code in codes)
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and all(h.startswith("hmac-sha256$") for h in stored)
    assert not any(code.replace("-", "") in h for code in codes for h in stored)


def test_an_enrolled_regulator_needs_a_code_after_the_password(client, regulator):
    _enrol(client, regulator.email)
    _logout(client)
    response = password_step(client, regulator.email, query="?next=/regulator/plans")
    assert response.headers["Location"].startswith(CODE)
    assert client.get("/regulator/").headers["Location"].startswith(CODE)
    assert submit_code(client, response.headers["Location"], "123456").status_code == 401
    done = submit_code(
        client, response.headers["Location"], unused_code(client.application, regulator.email)
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/regulator/plans")
    assert client.get("/regulator/").status_code == 200


def test_a_totp_code_cannot_be_replayed(client, regulator):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        secret, _ = _enrol(client, regulator.email)
        _logout(client)
        used = pyotp.TOTP(secret).at(start + dt.timedelta(seconds=30))
        password_step(client, regulator.email)
        assert submit_code(client, CODE, used).status_code == 302
        _logout(client)
        password_step(client, regulator.email)
        assert submit_code(client, CODE, used).status_code == 401  # seen once already
        # the code of the step before the one used is refused as well
        earlier = pyotp.TOTP(secret).at(start)
        assert submit_code(client, CODE, earlier).status_code == 401


def test_a_recovery_code_works_once(client, session, regulator):
    _, codes = _enrol(client, regulator.email)
    _logout(client)
    password_step(client, regulator.email)
    assert submit_code(client, CODE, codes[3].lower().replace("-", " ")).status_code == 302
    assert client.get("/regulator/").status_code == 200
    _logout(client)
    password_step(client, regulator.email)
    assert submit_code(client, CODE, codes[3]).status_code == 401
    used = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "user.login"))
    assert {"second_factor": "recovery-code"} in list(used)


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, session, regulator):
    _enrol(client, regulator.email)
    _logout(client)
    password_step(client, regulator.email)
    statuses = [submit_code(client, CODE, f"{n:06d}").status_code for n in range(5)]
    assert statuses == [401] * 5
    # locked: the half-done login is gone, and the right password is refused for now
    assert client.get(CODE).headers["Location"].endswith("/regulator/login")
    assert password_step(client, regulator.email).status_code == 401
    session.refresh(regulator)
    assert regulator.locked_until is not None


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(client, regulator):
    _enrol(client, regulator.email)
    _logout(client)
    for _ in range(2):
        password_step(client, regulator.email)
        assert [submit_code(client, CODE, "999999").status_code for _ in range(2)] == [401, 401]
    password_step(client, regulator.email)
    assert submit_code(client, CODE, "999998").status_code == 401  # the fifth failure locks
    assert password_step(client, regulator.email).status_code == 401


def test_the_half_done_login_expires_after_five_minutes(client, regulator):
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        _enrol(client, regulator.email)
        _logout(client)
        password_step(client, regulator.email)
        clock.move_to(start + dt.timedelta(minutes=5, seconds=1))
        code = unused_code(client.application, regulator.email)
        response = client.post(
            CODE, data={"code": code, "csrf_token": csrf_token(client, "/regulator/login")}
        )
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/regulator/login"
        )
        assert client.get("/regulator/").status_code == 302


def test_the_code_step_is_throttled_per_account(app, client, regulator):
    app.config["LOGIN_RATE_LIMIT"] = "5 per hour"
    _enrol(client, regulator.email)  # two attempts: password and first code
    _logout(client)
    password_step(client, regulator.email)  # the third
    statuses = [submit_code(client, CODE, "999999").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_optional_mfa_lets_an_unenrolled_regulator_in_and_offers_enrolment(app, client, regulator):
    app.config["REGULATOR_MFA"] = "optional"
    response = password_step(client, regulator.email)
    assert response.headers["Location"].endswith("/regulator/")
    page = client.get("/regulator/account/").get_data(as_text=True)
    assert 'action="/regulator/mfa/start"' in page
    token = csrf_token(client, "/regulator/account/")
    assert client.post("/regulator/mfa/start", data={"csrf_token": token}).status_code == 302
    secret = enrolment_secret(client, ENROL)
    assert submit_code(client, ENROL, pyotp.TOTP(secret).now()).status_code == 302
    _logout(client)
    assert password_step(client, regulator.email).headers["Location"].startswith(CODE)


def test_the_totp_secret_is_stored_encrypted_and_bound_to_its_user(app, client, session, regulator):
    secret, _ = _enrol(client, regulator.email)
    user = session.scalar(select(User).where(User.id == regulator.id))
    assert secret not in user.totp_secret
    with app.app_context():
        assert unseal(user.totp_secret, user.id, "totp") == secret
        assert unseal(user.totp_secret, user.id + 1, "totp") is None  # moved to another row
        app.config["HASH_KEY"] = "another key"
        assert unseal(user.totp_secret, user.id, "totp") is None
        assert unseal(seal("x", 1, "totp")[:-4] + "AAAA", 1, "totp") is None  # tampered


def test_new_recovery_codes_replace_the_old_ones(client, regulator):
    _, old = _enrol(client, regulator.email)
    token = csrf_token(client, "/regulator/account/")
    refused = client.post(
        "/regulator/account/recovery-codes", data={"code": "000000", "csrf_token": token}
    )
    assert refused.status_code == 422
    renewed = client.post(
        "/regulator/account/recovery-codes",
        data={"code": unused_code(client.application, regulator.email), "csrf_token": token},
    )
    page = client.get(renewed.headers["Location"]).get_data(as_text=True)
    new = re.findall(r'<code class="big">([A-Z0-9]{5}-[A-Z0-9]{5})</code>', page)
    assert len(new) == 10 and not set(new) & set(old)
    _logout(client)
    password_step(client, regulator.email)
    assert submit_code(client, CODE, old[0]).status_code == 401
    assert submit_code(client, CODE, new[0]).status_code == 302


def test_changing_the_password_ends_the_other_sessions(app, client, regulator):
    login(client, regulator.email)
    other = app.test_client()
    with time_machine.travel(utcnow() + dt.timedelta(seconds=31)):
        login(other, regulator.email)
        assert other.get("/regulator/").status_code == 200
        token = csrf_token(client, "/regulator/account/")
        wrong = client.post(
            "/regulator/account/password",
            data={
                "current": "not my password",
                "new": "a brand new pass",
                "confirm": "a brand new pass",
                "csrf_token": token,
            },
        )
        assert wrong.status_code == 422
        changed = client.post(
            "/regulator/account/password",
            data={
                "current": "correct horse battery",
                "new": "a brand new pass",
                "confirm": "a brand new pass",
                "csrf_token": token,
            },
        )
        assert changed.status_code == 302
        assert client.get("/regulator/").status_code == 200  # this browser goes on
        assert other.get("/regulator/").status_code == 302
