"""Users (argon2, lockout) and API keys (shown once, stored hashed), with their CLI: create,
list, deactivate, activate, reset password or second factor, end sessions, revoke keys."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.errors import Conflict, Invalid
from core.mfa import RecoveryCode, confirm_enrolment, new_secret, unseal
from core.sessions import UserSession, start_session
from core.users import (
    ApiClient,
    User,
    authenticate,
    create_api_client,
    create_user,
    find_api_client,
)
from tests.factories import ensure_reference

PASSWORD = "correct horse battery"


def _user(session, email="reg@example.cn"):
    ensure_reference(session)
    return create_user(
        session,
        email=email,
        name="王监管",
        role="regulator",
        region_code="620100",
        password=PASSWORD,
    )


def test_password_is_stored_as_argon2(session):
    user = _user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_short_password_and_duplicate_email_are_rejected(session):
    _user(session)
    with pytest.raises(Conflict):
        _user(session, "REG@example.cn")
    with pytest.raises(Invalid, match="10"):
        create_user(
            session,
            email="x@example.cn",
            name="x",
            role="regulator",
            region_code="620100",
            password="short",
        )


def test_lockout_after_repeated_failures(session):
    _user(session)
    for _ in range(3):
        assert authenticate(session, "reg@example.cn", "wrong", max_failures=3) is None
    # locked now: even the right password fails until the lock expires
    assert authenticate(session, "reg@example.cn", PASSWORD, max_failures=3) is None
    user = session.scalar(select(User))
    user.locked_until = user.locked_until - dt.timedelta(hours=1)
    assert authenticate(session, "reg@example.cn", PASSWORD, max_failures=3) is user


def test_api_key_is_hashed_and_found(app_context, session):
    client, key = create_api_client(session, "partner", ["exports"])
    assert key.startswith("ec_") and key not in client.key_hash
    assert find_api_client(session, key).id == client.id
    assert find_api_client(session, key + "x") is None
    assert client.scopes == "read exports"


def test_users_create_cli_reads_password_from_stdin(runner, session):
    ensure_reference(session)
    session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.cn",
            "--name",
            "李",
            "--role",
            "admin",
            "--region",
            "620100",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User.email)) == "a@example.cn"


def test_users_create_cli_rejects_unknown_region(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.cn",
            "--name",
            "李",
            "--role",
            "admin",
            "--region",
            "999999",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "999999" in result.output


def test_api_keys_create_cli_prints_key_once(runner, session):
    result = runner.invoke(args=["api-keys", "create", "mirror", "--scope", "webhooks"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[0]
    client = session.scalar(select(ApiClient))
    with runner.app.app_context():
        assert find_api_client(session, key) is not None
    assert key not in (client.key_hash, client.key_prefix)


# -- account and key lifecycle commands (security I5, F4; CONTRACT "Added 2026-12-01") -------


def _fresh(session) -> None:
    session.rollback()
    session.expire_all()


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _open_sessions(app, session, user, n: int = 1) -> None:
    with app.app_context():
        for _ in range(n):
            start_session(session, user.id)


def test_users_list_shows_role_region_state_mfa_and_sessions(app, runner, session):
    user = _user(session)
    _open_sessions(app, session, user)
    session.commit()
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    header, line = result.output.strip().splitlines()
    assert header.split("\t") == [
        "id",
        "email",
        "name",
        "role",
        "region",
        "active",
        "mfa",
        "last_login_utc",
        "sessions",
    ]
    assert line.split("\t") == [
        str(user.id),
        "reg@example.cn",
        "王监管",
        "regulator",
        "620100",
        "yes",
        "no",
        "-",
        "1",
    ]


def test_users_deactivate_and_activate_are_audited_as_the_operator(app, runner, session):
    user = _user(session)
    _open_sessions(app, session, user)
    session.commit()
    result = runner.invoke(args=["users", "deactivate", " REG@example.cn "])
    assert result.exit_code == 0, result.output
    _fresh(session)
    assert not session.get(User, user.id).active
    assert session.scalar(select(UserSession.ended_at)) is not None
    assert runner.invoke(args=["users", "activate", "reg@example.cn"]).exit_code == 0
    _fresh(session)
    assert session.get(User, user.id).active
    (off,), (on,) = _events(session, "user.deactivate"), _events(session, "user.activate")
    assert off.actor.startswith("cli") and off.detail == {"sessions_ended": 1}
    assert on.subject == f"user:{user.id}"


def test_users_commands_name_an_unknown_email(runner):
    for command in ("deactivate", "activate", "reset-mfa", "revoke-sessions"):
        result = runner.invoke(args=["users", command, "nobody@example.cn"])
        assert result.exit_code == 1 and "nobody@example.cn" in result.output, command


def test_users_reset_password_reads_stdin_ends_sessions_and_lifts_the_lock(app, runner, session):
    user = _user(session)
    user.locked_until = user.created_at + dt.timedelta(days=1)
    _open_sessions(app, session, user)
    session.commit()
    short = runner.invoke(args=["users", "reset-password", user.email], input="short\n")
    assert short.exit_code == 1 and "10" in short.output
    result = runner.invoke(
        args=["users", "reset-password", user.email], input="a new password 123\n"
    )
    assert result.exit_code == 0, result.output
    assert "1 session(s) ended" in result.output
    _fresh(session)
    assert authenticate(session, user.email, "a new password 123") is not None
    assert authenticate(session, user.email, PASSWORD) is None
    assert session.scalar(select(UserSession.ended_at)) is not None
    assert _events(session, "user.password_reset")[0].detail == {"sessions_ended": 1}


def test_users_reset_mfa_removes_the_secret_and_the_recovery_codes(app, runner, session):
    user = _user(session)
    with app.app_context():
        sealed = new_secret(user)
        confirm_enrolment(session, user, sealed, pyotp.TOTP(unseal(sealed, user.id, "totp")).now())
    session.commit()
    assert user.mfa_enrolled and session.scalar(select(RecoveryCode.id)) is not None
    result = runner.invoke(args=["users", "reset-mfa", user.email])
    assert result.exit_code == 0, result.output
    _fresh(session)
    user = session.get(User, user.id)
    assert not user.mfa_enrolled and user.totp_secret is None
    assert session.scalar(select(RecoveryCode.id)) is None
    assert _events(session, "user.mfa_reset")


def test_users_revoke_sessions_ends_every_open_session(app, runner, session):
    user = _user(session)
    _open_sessions(app, session, user, 2)
    session.commit()
    result = runner.invoke(args=["users", "revoke-sessions", user.email])
    assert result.exit_code == 0 and "2 session(s)" in result.output
    _fresh(session)
    assert all(session.scalars(select(UserSession.ended_at)))


def test_api_keys_list_and_revoke(app, runner, session):
    with app.app_context():
        client, key = create_api_client(session, "mirror", ["exports"])
    session.commit()
    listed = runner.invoke(args=["api-keys", "list"])
    assert listed.exit_code == 0
    row = listed.output.strip().splitlines()[1].split("\t")
    assert row[:4] == [str(client.id), "mirror", client.key_prefix, "read exports"]
    assert row[5] == "-" and key not in listed.output
    result = runner.invoke(args=["api-keys", "revoke", str(client.id)])
    assert result.exit_code == 0, result.output
    _fresh(session)
    with app.app_context():
        assert find_api_client(session, key) is None
    assert (
        runner.invoke(args=["api-keys", "list"]).output.strip().splitlines()[1].split("\t")[5]
        != "-"
    )
    (event,) = _events(session, "api_key.revoke")
    assert event.actor.startswith("cli") and event.subject == f"api_client:{client.id}"
    missing = runner.invoke(args=["api-keys", "revoke", "999"])
    assert missing.exit_code == 1 and "999" in missing.output
