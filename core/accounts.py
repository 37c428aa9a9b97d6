"""Account lifecycle: deactivate, activate, new password, reset the second factor, end
sessions. Every change is audited with the actor given and ends the user's sessions where
it should; admins act only on users inside their region (:func:`admin_target`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Forbidden, Invalid, NotFound
from core.messages import msg
from core.mfa import clear_mfa, remaining_counts
from core.passwords import verify_secret
from core.sessions import end_user_sessions, open_session_counts
from core.users import User, hash_password, validate_password


def find_user(session: Session, email: str) -> User:
    """The user with ``email`` (case and surrounding spaces ignored)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(msg("没有邮箱为 %(email)s 的用户", email=email.strip()))
    return user


def set_password(
    session: Session, user: User, password: str, actor: str, action: str = "user.password_reset"
) -> int:
    """Give the user a new password, lift a lockout and end every session (the second
    factor stays); returns how many sessions were open."""
    validate_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    ended = end_user_sessions(session, user.id)
    audit(session, actor, action, f"user:{user.id}", {"sessions_ended": ended})
    return ended


def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    """The user's own password change: the current password first (Invalid if wrong); every
    session ends (the caller starts a fresh one for this browser)."""
    if not verify_secret(user.password_hash, current):
        raise Invalid(msg("当前密码不正确。"), {"current": [msg("当前密码不正确。")]})
    set_password(session, user, new, f"user:{user.id}", action="user.password_change")


def set_active(session: Session, user: User, active: bool, actor: str) -> None:
    """Activate or deactivate a user; deactivation ends every session at once."""
    if user.active == active:
        return
    user.active = active
    detail = {} if active else {"sessions_ended": end_user_sessions(session, user.id)}
    audit(
        session, actor, "user.activate" if active else "user.deactivate", f"user:{user.id}", detail
    )


def revoke_sessions(session: Session, user: User, actor: str) -> int:
    """End every session of the user (they log in again); returns how many were open."""
    ended = end_user_sessions(session, user.id)
    audit(session, actor, "user.revoke_sessions", f"user:{user.id}", {"sessions_ended": ended})
    return ended


def reset_mfa(session: Session, user: User, actor: str) -> None:
    """Remove the user's second factor and recovery codes and end their sessions: the next
    login enrols a new one (a lost phone)."""
    clear_mfa(session, user)
    ended = end_user_sessions(session, user.id)
    audit(session, actor, "user.mfa_reset", f"user:{user.id}", {"sessions_ended": ended})


@dataclass(frozen=True)
class UserRow:
    """A user as the lists show them."""

    user: User
    open_sessions: int
    recovery_codes_left: int


def list_users(session: Session, prefix: str = "") -> list[UserRow]:
    """Users whose region starts with ``prefix`` ('' = all), by e-mail."""
    users = list(
        session.scalars(
            select(User).where(User.region_code.startswith(prefix)).order_by(User.email)
        )
    )
    ids = [u.id for u in users]
    sessions, codes = open_session_counts(session, ids), remaining_counts(session, ids)
    return [UserRow(u, sessions.get(u.id, 0), codes.get(u.id, 0)) for u in users]


def require_admin(user: User | None) -> User:
    """403 unless ``user`` is an administrator."""
    if user is None or user.role != "admin":
        raise Forbidden(msg("只有管理员可以管理账户"))
    return user


def admin_target(session: Session, admin: User, user_id: int) -> User:
    """The user an admin wants to act on: 404 if there is none, 403 outside their region."""
    require_admin(admin)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(msg("没有编号为 %(id)s 的用户", id=user_id))
    if not admin.may_act_in(user.region_code):
        raise Forbidden(msg("该用户不在您的管辖区域内"))
    return user


def admin_set_active(session: Session, admin: User, user_id: int, active: bool) -> User:
    """An admin (de)activates a user of their region; never themself."""
    user = admin_target(session, admin, user_id)
    if user.id == admin.id and not active:
        raise Invalid(msg("不能停用自己的账户"))
    set_active(session, user, active, f"user:{admin.id}")
    return user
