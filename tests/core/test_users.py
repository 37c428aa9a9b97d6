"""Users (argon2, lockout) and API keys (shown once, stored hashed), with their CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import Conflict, Invalid
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
    return create_user(session, email=email, name="王监管", role="regulator",
                       region_code="620100", password=PASSWORD)


def test_password_is_stored_as_argon2(session):
    user = _user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_short_password_and_duplicate_email_are_rejected(session):
    _user(session)
    with pytest.raises(Conflict):
        _user(session, "REG@example.cn")
    with pytest.raises(Invalid, match="10"):
        create_user(session, email="x@example.cn", name="x", role="regulator",
                    region_code="620100", password="short")


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
    assert find_api_client(session, key) is client
    assert find_api_client(session, key + "x") is None
    assert client.scopes == "read exports"


def test_users_create_cli_reads_password_from_stdin(runner, session):
    ensure_reference(session)
    session.commit()
    result = runner.invoke(args=["users", "create", "--email", "a@example.cn", "--name", "李",
                                 "--role", "admin", "--region", "620100"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(select(User.email)) == "a@example.cn"


def test_users_create_cli_rejects_unknown_region(runner):
    result = runner.invoke(args=["users", "create", "--email", "a@example.cn", "--name", "李",
                                 "--role", "admin", "--region", "999999"],
                           input=PASSWORD + "\n")
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
