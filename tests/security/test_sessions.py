"""Regulator login: CSRF, lockout, throttles, server-side sessions and their expiry,
logout, no caching, region scope."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import utcnow
from core.sessions import UserSession
from tests.disclosure.conftest import (
    csrf_token,
    enrolment_secret,
    login,
    make_regulator,
    password_step,
    submit_code,
)


def test_pages_need_login(client):
    response = client.get("/regulator/")
    assert response.status_code == 302 and "/regulator/login" in response.headers["Location"]


def test_login_sets_a_safe_cookie_and_audits(client, session, regulator):
    response = login(client, regulator.email)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/regulator/").status_code == 200
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "user.login"))


def test_cookie_is_secure_over_https(client, regulator):
    token = csrf_token(client, "/regulator/login")
    response = client.post(
        "/regulator/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/regulator/login"},
        data={"email": regulator.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_without_csrf_token_is_refused(client, regulator):
    response = client.post(
        "/regulator/login", data={"email": regulator.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert client.get("/regulator/").status_code == 302


def test_wrong_password_then_lockout(client, regulator):
    for _ in range(5):
        assert login(client, regulator.email, "wrong password!").status_code == 401
    assert login(client, regulator.email).status_code == 401  # locked


def test_logout_needs_post_and_ends_the_session(client, regulator):
    login(client, regulator.email)
    token = csrf_token(client, "/regulator/")
    assert client.get("/regulator/logout").status_code == 405
    assert client.post("/regulator/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/regulator/").status_code == 302


def test_open_redirect_is_refused(client, regulator):
    token = csrf_token(client, "/regulator/login")
    response = client.post(
        "/regulator/login?next=//evil.example/",
        data={"email": regulator.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/regulator/")


def test_plans_page_draws_within_region_only(client, session, regulator):
    make_regulator(session, "other@example.cn", region="411300")
    login(client, regulator.email)
    token = csrf_token(client, "/regulator/plans")
    ok = client.post(
        "/regulator/plans", data={"region": "620100", "count": 3, "seed": 1, "csrf_token": token}
    )
    assert ok.status_code == 302
    assert client.get(ok.headers["Location"]).status_code == 200
    outside = client.post(
        "/regulator/plans", data={"region": "411300", "count": 3, "seed": 1, "csrf_token": token}
    )
    assert outside.status_code == 403
    bad = client.post(
        "/regulator/plans", data={"region": "abc", "count": -1, "seed": 1, "csrf_token": token}
    )
    assert bad.status_code == 422


# -- server-side sessions (security F4, review rows 1, 2, 149) --------------------------------

COOKIE = "envcredit_session"


def _replay(app, cookie_value: str, path: str = "/regulator/tipoffs/"):
    """A fresh browser that only has a copy of the cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie_value)
    return other.get(path)


def _logged_in_cookie(client, email: str) -> str:
    assert login(client, email).status_code == 302
    assert client.get("/regulator/").status_code == 200
    return client.get_cookie(COOKIE).value


def test_cookie_copied_before_logout_is_refused_afterwards(app, client, regulator):
    copied = _logged_in_cookie(client, regulator.email)
    assert _replay(app, copied).status_code == 200  # the copy works while the session lives
    token = csrf_token(client, "/regulator/")
    assert client.post("/regulator/logout", data={"csrf_token": token}).status_code == 302
    replay = _replay(app, copied)
    assert replay.status_code == 302 and "/regulator/login" in replay.headers["Location"]


@pytest.mark.parametrize(
    "command",
    [
        ["users", "deactivate"],
        ["users", "revoke-sessions"],
        ["users", "reset-password"],
        ["users", "reset-mfa"],
    ],
)
def test_operator_commands_end_every_copy_of_the_cookie(app, client, runner, regulator, command):
    copied = _logged_in_cookie(client, regulator.email)
    result = runner.invoke(args=[*command, regulator.email], input="a new password 123\n")
    assert result.exit_code == 0, result.output
    assert _replay(app, copied).status_code == 302
    assert client.get("/regulator/").status_code == 302


def test_one_logout_ends_only_that_session(app, regulator):
    first, second = app.test_client(), app.test_client()
    _logged_in_cookie(first, regulator.email)
    with time_machine.travel(utcnow() + dt.timedelta(seconds=31)):  # a fresh TOTP step
        _logged_in_cookie(second, regulator.email)
        first.post("/regulator/logout", data={"csrf_token": csrf_token(first, "/regulator/")})
        assert first.get("/regulator/").status_code == 302
        assert second.get("/regulator/").status_code == 200


def test_session_ends_after_the_idle_hours(app, session, regulator):
    busy, idle = app.test_client(), app.test_client()
    other = make_regulator(session, "idle@example.cn")
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        _logged_in_cookie(busy, regulator.email)
        _logged_in_cookie(idle, other.email)
        clock.move_to(start + dt.timedelta(hours=4))
        assert busy.get("/regulator/").status_code == 200
        clock.move_to(start + dt.timedelta(hours=8, minutes=1))
        assert idle.get("/regulator/").status_code == 302  # 8 hours without a request
        clock.move_to(start + dt.timedelta(hours=11, minutes=59))
        assert busy.get("/regulator/").status_code == 200  # 7 h 59 min since its last request


def test_session_ends_after_the_maximum_hours_even_when_active(client, regulator):
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        _logged_in_cookie(client, regulator.email)
        for hour in range(1, 12):
            clock.move_to(start + dt.timedelta(hours=hour))
            assert client.get("/regulator/").status_code == 200
        clock.move_to(start + dt.timedelta(hours=12, minutes=1))
        assert client.get("/regulator/").status_code == 302


def test_cookie_lifetime_is_at_most_twelve_hours(client, regulator):
    response = login(client, regulator.email)
    expires = parsedate_to_datetime(
        re.search(r"Expires=([^;]+)", response.headers["Set-Cookie"]).group(1)
    )
    assert expires - utcnow() <= dt.timedelta(hours=12)
    assert expires - utcnow() > dt.timedelta(hours=7)  # but lasts a working day


def test_last_seen_is_written_at_most_once_a_minute(client, session, regulator):
    def last_seen():
        session.rollback()  # a fresh snapshot
        return session.scalar(
            select(UserSession.last_seen_at).where(
                UserSession.stage == "full", UserSession.ended_at.is_(None)
            )
        )

    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        _logged_in_cookie(client, regulator.email)
        seen = last_seen()
        clock.move_to(start + dt.timedelta(seconds=50))
        assert client.get("/regulator/").status_code == 200
        assert last_seen() == seen
        clock.move_to(start + dt.timedelta(seconds=70))
        assert client.get("/regulator/").status_code == 200
        assert last_seen() == start + dt.timedelta(seconds=70)


def test_only_a_hashed_random_id_is_stored_for_the_cookie(app, client, session, regulator):
    value = _logged_in_cookie(client, regulator.email)
    cookie = app.session_interface.get_signing_serializer(app).loads(value)
    token = cookie["sid"]
    assert len(token) >= 40 and "uid" not in cookie
    stored = session.scalars(select(UserSession.token_hash)).all()
    assert token not in stored and all(h.startswith("hmac-sha256$") for h in stored)


def test_login_issues_a_new_session_id_and_the_half_done_cookie_stays_out(app, client, regulator):
    response = password_step(client, regulator.email)
    pending = client.get_cookie(COOKIE).value
    assert "/regulator/mfa/enrol" in response.headers["Location"]
    secret = enrolment_secret(client, response.headers["Location"])
    assert submit_code(client, "/regulator/mfa/enrol", pyotp.TOTP(secret).now()).status_code == 302
    assert client.get_cookie(COOKIE).value != pending
    assert client.get("/regulator/").status_code == 200
    assert _replay(app, pending, "/regulator/").status_code == 302


# -- login throttles (security F3, review row 139) -------------------------------------------


def test_password_spraying_from_one_address_gets_429(app, client, session, regulator):
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"
    statuses = [
        password_step(client, f"user{i}@example.cn", "Spring2026!!").status_code for i in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]
    # the refused attempt never reached the password check: the real account is untouched
    assert password_step(client, regulator.email, "wrong password!").status_code == 429
    session.refresh(regulator)
    assert regulator.failed_logins == 0


def test_one_account_is_throttled_across_addresses(app, regulator):
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"
    statuses = []
    for i in range(5):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"127.0.0.{10 + i}"
        statuses.append(
            password_step(browser, f" {regulator.email.upper()} ", "wrong password!").status_code
        )
    assert statuses == [401, 401, 401, 429, 429]


# -- no caching of regulator pages (security I3, review row 148) -----------------------------


def test_regulator_pages_are_never_stored_by_a_cache(client, regulator):
    assert client.get("/regulator/login").headers["Cache-Control"] == "no-store"
    login(client, regulator.email)
    for path in ("/regulator/", "/regulator/tipoffs/", "/regulator/account/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
