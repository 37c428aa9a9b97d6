"""Operator commands of core (audit, users, API keys) and helpers for every CLI command."""

from __future__ import annotations

import contextlib
import getpass
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from core.accounts import (
    find_user,
    list_users,
    reset_mfa,
    revoke_sessions,
    set_active,
    set_password,
)
from core.audit import AuditKeyMismatch, audit, ensure_keyed, verify_chain
from core.db import get_db, writing
from core.errors import DomainError, describe
from core.users import (
    REGULATOR_ROLES,
    SCOPES,
    create_api_client,
    create_user,
    list_api_clients,
    revoke_api_client,
)

T = TypeVar("T")

audit_cli = AppGroup("audit", help="The hash-chained audit log.")
users_cli = AppGroup("users", help="Regulator and admin accounts.")
keys_cli = AppGroup("api-keys", help="Partner API keys.")


def cli_actor() -> str:
    """The audit actor for a command-line action."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextlib.contextmanager
def transaction() -> Iterator[Session]:
    """A writing session for one command: committed at the end, rolled back on error.

    Domain errors become a clear message and exit status 1.
    """
    session = get_db().new_session()
    try:
        with writing():
            yield session
            session.commit()
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(describe(exc)) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rich_progress() -> Any:
    """A rich progress bar: label, bar, done/total, elapsed and remaining time. (rich is
    imported here: only commands on a terminal draw bars, web workers never do.)"""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )


def progress(items: Iterable[T], total: int | None, label: str) -> Iterator[T]:
    """Iterate with a progress bar on a terminal; silently otherwise."""
    if not sys.stderr.isatty():
        yield from items
        return
    with _rich_progress() as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


class ProgressBar:
    """A progress bar advanced by hand (e.g. by rows within batches); quiet off a terminal."""

    def __init__(self, total: int | None, label: str) -> None:
        self._bar: Any = None
        if sys.stderr.isatty():
            self._bar = _rich_progress()
            self._task = self._bar.add_task(label, total=total)

    def __enter__(self) -> ProgressBar:
        if self._bar:
            self._bar.start()
        return self

    def advance(self, n: int = 1) -> None:
        if self._bar:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: Any) -> None:
        if self._bar:
            self._bar.stop()


def _anchors(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[int, str]:
    """``SEQ:HASH`` values (as ``flask audit anchor`` prints them) as {seq: hash}."""
    anchors: dict[int, str] = {}
    for value in values:
        seq, _, digest = value.strip().partition(":")
        digest = digest.strip().lower()
        if not seq.isdigit() or int(seq) < 1 or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise click.BadParameter(
                f"'{value}': 须为 SEQ:HASH（序号:64 位十六进制）/ expected "
                "SEQ:HASH (a seq and 64 hex digits)"
            )
        anchors[int(seq)] = digest
    return anchors


def _checked_chain(anchors: dict[int, str]) -> Any:
    """Re-key a legacy chain if this is the key's first use, then verify the whole chain."""
    try:
        with transaction() as session:
            ensure_keyed(session)
    except AuditKeyMismatch as exc:
        raise click.ClickException(str(exc)) from None
    session = get_db().new_session()
    try:
        return verify_chain(session, anchors)
    finally:
        session.close()


def _broken(result: Any) -> None:
    at = f" at seq {result.bad_seq}" if result.bad_seq else ""
    click.echo(
        f"审计日志被篡改 / audit chain BROKEN{at}: {result.reason} "
        f"({result.checked} events verified before it)",
        err=True,
    )
    sys.exit(1)


@audit_cli.command("verify")
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    callback=_anchors,
    metavar="SEQ:HASH",
    help="an anchor printed earlier by `audit anchor` (repeatable)",
)
def audit_verify(anchors: dict[int, str]) -> None:
    """Check the audit chain (HMAC-SHA256) and anchors; exit 1 naming the first bad row."""
    result = _checked_chain(anchors)
    if not result.ok:
        _broken(result)
    found = f"; {len(anchors)} anchor(s) found" if anchors else ""
    click.echo(f"审计日志完整 / audit chain OK: {result.checked} events ({result.scheme}{found})")


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Print the verified head as SEQ:HASH and its time, to keep outside the database."""
    result = _checked_chain({})
    if not result.ok:
        _broken(result)
    if not result.checked:
        click.echo(
            "审计日志为空，暂无锚点 / the audit chain is empty: nothing to anchor yet", err=True
        )
        return
    at = result.head_at.isoformat(timespec="seconds") if result.head_at else ""
    click.echo(f"{result.checked}:{result.head_hash} {at}")
    click.echo(
        "# 请将此锚点保存在数据库之外；核对：flask audit verify --anchor SEQ:HASH / keep "
        "this anchor outside the database; check it with: flask audit verify --anchor "
        "SEQ:HASH",
        err=True,
    )


def _read_password() -> str:
    """A new password from the terminal (asked twice) or the first line of stdin."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(REGULATOR_ROLES), required=True)
@click.option("--region", "region", required=True, help="GB/T 2260 code the user acts for")
def users_create(email: str, name: str, role: str, region: str) -> None:
    """Create a user; the password is read from stdin (or prompted on a terminal)."""
    password = _read_password()
    from core.reference import region_code_problem

    with transaction() as session:
        problem = region_code_problem(session, region)
        if problem:
            raise click.ClickException(problem)
        user = create_user(
            session, email=email, name=name, role=role, region_code=region, password=password
        )
        audit(
            session,
            cli_actor(),
            "user.create",
            f"user:{user.id}",
            {"email": user.email, "role": role, "region": region},
        )
    click.echo(f"已创建用户 / created user {user.id} <{user.email}> ({role}, {region})")


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@users_cli.command("list")
def users_list() -> None:
    """Every user: role, region, active, second factor, last login, open sessions."""
    session = get_db().new_session()
    try:
        rows = list_users(session)
        click.echo("id\temail\tname\trole\tregion\tactive\tmfa\tlast_login_utc\tsessions")
        for row in rows:
            u = row.user
            click.echo(
                f"{u.id}\t{u.email}\t{u.name}\t{u.role}\t{u.region_code}\t"
                f"{'yes' if u.active else 'no'}\t{'yes' if u.mfa_enrolled else 'no'}\t"
                f"{_when(u.last_login_at)}\t{row.open_sessions}"
            )
    finally:
        session.close()


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Deactivate a user: every session ends at once; they cannot log in."""
    with transaction() as session:
        user = find_user(session, email)
        set_active(session, user, False, cli_actor())
    click.echo(f"已停用 / deactivated {user.email}")


@users_cli.command("activate")
@click.argument("email")
def users_activate(email: str) -> None:
    """Activate a deactivated user again."""
    with transaction() as session:
        user = find_user(session, email)
        set_active(session, user, True, cli_actor())
    click.echo(f"已启用 / activated {user.email}")


@users_cli.command("reset-password")
@click.argument("email")
def users_reset_password(email: str) -> None:
    """Set a new password (from stdin, or prompted); ends every session, lifts a lockout,
    keeps the second factor."""
    password = _read_password()
    with transaction() as session:
        user = find_user(session, email)
        ended = set_password(session, user, password, cli_actor())
    click.echo(f"已重设密码 / password reset for {user.email}; {ended} session(s) ended")


@users_cli.command("reset-mfa")
@click.argument("email")
def users_reset_mfa(email: str) -> None:
    """Remove a user's second factor and recovery codes (a lost phone); ends every session.
    With REGULATOR_MFA=required the next login enrols a new one."""
    with transaction() as session:
        user = find_user(session, email)
        reset_mfa(session, user, cli_actor())
    click.echo(f"已重置两步验证 / second factor removed for {user.email}")


@users_cli.command("revoke-sessions")
@click.argument("email")
def users_revoke_sessions(email: str) -> None:
    """End every session of a user: each copy of their cookie stops working at once."""
    with transaction() as session:
        user = find_user(session, email)
        ended = revoke_sessions(session, user, cli_actor())
    click.echo(f"已退出所有登录 / {ended} session(s) of {user.email} ended")


@keys_cli.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="repeatable; read is always included",
)
@click.option(
    "--quota",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="requests per minute (default: the partner quota)",
)
def keys_create(name: str, scopes: tuple[str, ...], quota: int | None) -> None:
    """Create an API key; it is printed once and only its hash is stored."""
    with transaction() as session:
        client, key = create_api_client(session, name, scopes or ("read",), quota)
        audit(
            session,
            cli_actor(),
            "api_key.create",
            f"api_client:{client.id}",
            {"name": name, "scopes": client.scopes},
        )
    click.echo(key)
    click.echo(
        f"# API 密钥只显示这一次 / this key is shown only once (client {client.id}, "
        f"scopes: {client.scopes})",
        err=True,
    )


@keys_cli.command("list")
def keys_list() -> None:
    """Every API key: id, name, prefix, scopes, created, revoked."""
    session = get_db().new_session()
    try:
        click.echo("id\tname\tprefix\tscopes\tcreated_utc\trevoked_utc")
        for c in list_api_clients(session):
            click.echo(
                f"{c.id}\t{c.name}\t{c.key_prefix}\t{c.scopes}\t{_when(c.created_at)}\t"
                f"{_when(c.revoked_at)}"
            )
    finally:
        session.close()


@keys_cli.command("revoke")
@click.argument("client_id", type=click.IntRange(1, 2**31 - 1), metavar="ID")
def keys_revoke(client_id: int) -> None:
    """Revoke an API key (its id from ``api-keys list``): it stops working at once."""
    with transaction() as session:
        client = revoke_api_client(session, client_id, cli_actor())
    click.echo(f"已撤销 / revoked API key {client.id} ({client.name})")


def register_cli(app: Any) -> None:
    from core.migrate import db_cli

    for group in (db_cli, audit_cli, users_cli, keys_cli):
        app.cli.add_command(group)


__all__ = ["ProgressBar", "cli_actor", "current_app", "progress", "register_cli", "transaction"]
