"""Regulator login: CSRF, lockout, cookies, logout, region scope."""

from __future__ import annotations

from sqlalchemy import select

from core.audit import AuditEvent
from tests.disclosure.conftest import csrf_token, login, make_regulator


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
    response = client.post("/regulator/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/regulator/login"},
                           data={"email": regulator.email, "password": "correct horse battery",
                                 "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_without_csrf_token_is_refused(client, regulator):
    response = client.post("/regulator/login", data={"email": regulator.email,
                                                     "password": "correct horse battery"})
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
    response = client.post("/regulator/login?next=//evil.example/", data={
        "email": regulator.email, "password": "correct horse battery", "csrf_token": token})
    assert response.headers["Location"].endswith("/regulator/")


def test_plans_page_draws_within_region_only(client, session, regulator):
    make_regulator(session, "other@example.cn", region="411300")
    login(client, regulator.email)
    token = csrf_token(client, "/regulator/plans")
    ok = client.post("/regulator/plans", data={"region": "620100", "count": 3, "seed": 1,
                                              "csrf_token": token})
    assert ok.status_code == 302
    assert client.get(ok.headers["Location"]).status_code == 200
    outside = client.post("/regulator/plans", data={"region": "411300", "count": 3, "seed": 1,
                                                   "csrf_token": token})
    assert outside.status_code == 403
    bad = client.post("/regulator/plans", data={"region": "abc", "count": -1, "seed": 1,
                                               "csrf_token": token})
    assert bad.status_code == 422
