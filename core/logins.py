"""The regulator login flow: password, then (when enrolled or required) a second factor or
its enrolment, then a full session; logout. Every completed login and every logout of a
full session is audited.

Each step opens a new server-side session and ends the previous one, so no session id is
ever promoted or reused (session fixation). The web layer (disclosure.auth) only carries the
returned cookie token; it never opens, ends or audits a session itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.audit import audit
from core.mfa import (
    confirm_enrolment,
    hold_recovery_codes,
    new_secret,
    remaining_recovery_codes,
    verify_second_factor,
)
from core.sessions import UserSession, end_session, start_session, touch
from core.users import User, is_locked, record_failure, record_login


@dataclass(frozen=True)
class Login:
    """A session just opened, and the id its cookie carries (never stored as such)."""

    row: UserSession
    token: str


def open_login(
    session: Session,
    user: User,
    stage: str,
    previous: UserSession | None,
    pending_secret: str | None = None,
) -> Login:
    """A new session of ``user`` at ``stage``; ``previous`` (pending or not) ends."""
    if previous is not None:
        end_session(previous)
    row, token = start_session(session, user.id, stage, pending_secret)
    return Login(row, token)


def complete_login(
    session: Session, user: User, previous: UserSession | None, second_factor: str
) -> Login:
    """Both steps done: a full session; audited with the kind of second factor used
    (``totp``, ``recovery-code``, or ``none`` when MFA is optional and not enrolled)."""
    record_login(user)
    login = open_login(session, user, "full", previous)
    actor = f"user:{user.id}"
    audit(session, actor, "user.login", actor, {"second_factor": second_factor})
    return login


def after_password(
    session: Session, user: User, previous: UserSession | None, *, mfa_required: bool
) -> Login:
    """Where a right password leads: the ``code`` step, enrolment (``enrol``, with a fresh
    secret to confirm), or (MFA optional and not enrolled) straight to a full session."""
    if user.mfa_enrolled:
        return open_login(session, user, "code", previous)
    if mfa_required:
        return open_login(session, user, "enrol", previous, pending_secret=new_secret(user))
    return complete_login(session, user, previous, "none")


@dataclass(frozen=True)
class SecondFactor:
    """The outcome of a second-factor code: ``locked`` (the half-done login ended),
    ``wrong``, or the kind accepted (``totp``, ``recovery-code``) with the full session."""

    outcome: str
    login: Login | None = None
    #: recovery codes left after one was used
    codes_left: int | None = None


def check_second_factor(
    session: Session,
    row: UserSession,
    user: User,
    code: str,
    *,
    max_failures: int,
    lockout: dt.timedelta,
) -> SecondFactor:
    """The second login step. Wrong codes count towards the same lockout as wrong passwords
    (the same ``max_failures`` and ``lockout``); a lockout ends the half-done login."""
    if is_locked(user):
        end_session(row)
        return SecondFactor("locked")
    method = verify_second_factor(session, user, code)
    if method is None:
        record_failure(user, max_failures=max_failures, lockout=lockout)
        if is_locked(user):
            end_session(row)
            return SecondFactor("locked")
        return SecondFactor("wrong")
    login = complete_login(session, user, row, method)
    left = remaining_recovery_codes(session, user) if method == "recovery-code" else None
    return SecondFactor(method, login, left)


def begin_enrolment(row: UserSession, user: User) -> None:
    """A logged-in user (MFA optional) starts enrolling: a fresh secret waits on the session."""
    row.pending_secret = new_secret(user)


def finish_enrolment(
    session: Session, row: UserSession, user: User, code: str
) -> tuple[UserSession, Login | None] | None:
    """Confirm the secret waiting on ``row`` with its first code (None: wrong code). A login
    that waited for enrolment completes (a new full session, returned as the Login); a
    logged-in user keeps ``row``. The new recovery codes wait on the full session, to be
    shown once."""
    codes = confirm_enrolment(session, user, row.pending_secret or "", code)
    if codes is None:
        return None
    login = complete_login(session, user, row, "totp") if row.stage == "enrol" else None
    full = login.row if login is not None else row
    hold_recovery_codes(full, user, codes)
    return full, login


def end_login(session: Session, row: UserSession) -> None:
    """End one session; the logout of a full session is audited."""
    end_session(row)
    if row.stage == "full":
        audit(session, f"user:{row.user_id}", "user.logout", f"user:{row.user_id}")


def session_user(session: Session, row: UserSession | None, stage: str) -> User | None:
    """The active user of ``row`` when it is at ``stage``, else None."""
    if row is None or row.stage != stage:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def logged_in_user(
    session: Session, row: UserSession | None, *, mfa_required: bool, apart: bool
) -> User | None:
    """The logged-in user of ``row`` (a full session of an active user, enrolled when MFA is
    required); records the activity (``apart``: in a transaction of its own, for requests
    that only read)."""
    user = session_user(session, row, "full")
    if user is None or row is None or (mfa_required and not user.mfa_enrolled):
        return None
    touch(session, row, apart=apart)
    return user
