"""The administrators' page: users of their region (and API keys), with POST forms to
deactivate or activate a user, end their sessions, reset their second factor, revoke a key.
Works without JavaScript; every action is audited by the services it calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from core.accounts import (
    admin_set_active,
    admin_target,
    list_users,
    require_admin,
    reset_mfa,
    revoke_sessions,
)
from core.db import get_session
from core.errors import describe_in
from core.i18n import page_lang
from core.users import User, list_api_clients, revoke_api_client
from core.web import attempt
from disclosure.auth import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/regulator/admin")


def _admin() -> User:
    return require_admin(current_user())


@bp.get("/")
@login_required
def overview() -> Any:
    """Users of the admin's region with their sessions and second factor; API keys."""
    admin = _admin()
    session = get_session()
    return render_template(
        "disclosure/regulator/admin.html",
        admin=admin,
        rows=list_users(session, admin.scope_prefix),
        keys=list_api_clients(session),
    )


def _act(action: Callable[[Session, User], Any], done: str) -> Any:
    """Run one admin action and go back to the list with a notice (or its error)."""
    admin = _admin()
    _done, error = attempt(action, get_session(), admin)
    if error is None:
        flash(done)
    elif error.status in (403, 404):
        raise error
    else:
        flash(describe_in(error, page_lang()), "error")
    return redirect(url_for("admin.overview"), 303)


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int) -> Any:
    """Deactivate a user: their sessions end at once (never one's own account)."""
    return _act(
        lambda session, admin: admin_set_active(session, admin, user_id, False),
        _("账户已停用，其所有登录已退出。"),
    )


@bp.post("/users/<int:user_id>/activate")
@login_required
def activate(user_id: int) -> Any:
    """Activate a user again."""
    return _act(
        lambda session, admin: admin_set_active(session, admin, user_id, True), _("账户已启用。")
    )


@bp.post("/users/<int:user_id>/revoke-sessions")
@login_required
def end_sessions(user_id: int) -> Any:
    """End every session of a user (they log in again)."""
    return _act(
        lambda session, admin: revoke_sessions(
            session, admin_target(session, admin, user_id), f"user:{admin.id}"
        ),
        _("该用户的所有登录已退出。"),
    )


@bp.post("/users/<int:user_id>/reset-mfa")
@login_required
def mfa_reset(user_id: int) -> Any:
    """Remove a user's second factor (a lost phone): they enrol again at the next login."""
    return _act(
        lambda session, admin: reset_mfa(
            session, admin_target(session, admin, user_id), f"user:{admin.id}"
        ),
        _("两步验证已重置，该用户下次登录时重新设置。"),
    )


@bp.post("/api-keys/<int:client_id>/revoke")
@login_required
def revoke_key(client_id: int) -> Any:
    """Revoke an API key: it stops working at once."""
    return _act(
        lambda session, admin: revoke_api_client(session, client_id, f"user:{admin.id}"),
        _("API 密钥已撤销。"),
    )
