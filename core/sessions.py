"""Server-side regulator sessions: the cookie carries only a random id, a row here says
whether it is still good.

One logout ends one session; a password change or reset, a deactivation, an MFA reset and
``flask users revoke-sessions`` end them all, and every copy of the cookie with them. A
session lives at most ``SESSION_MAX_HOURS`` from login and ``SESSION_IDLE_HOURS`` after the
last request. Only a keyed hash of the id is stored, so a database copy holds no usable
cookie.

Stages: ``full`` (logged in); ``code`` (password right, second factor pending, 5 minutes);
``enrol`` (password right, MFA must be set up first, 15 minutes: installing an
authenticator app and scanning takes longer than typing a code).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import ForeignKey, Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from core.db import Base, UTCDateTime, enum_check, utcnow, write_apart
from core.keyed_hash import hash_token

STAGES = ("full", "code", "enrol")
PURPOSE = "session"
PENDING_LIFETIME = {"code": dt.timedelta(minutes=5), "enrol": dt.timedelta(minutes=15)}
#: last_seen_at is written at most this often (not on every request)
TOUCH_EVERY = dt.timedelta(minutes=1)
#: rows of sessions that ended (or expired) longer ago than this are deleted at the next login
KEEP_ENDED = dt.timedelta(days=30)


class UserSession(Base):
    """One login of one user (or a login half done: second factor pending)."""

    __tablename__ = "user_sessions"
    __table_args__ = (enum_check("stage", STAGES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: keyed hash (core.keyed_hash) of the random id in the cookie
    token_hash: Mapped[str] = mapped_column(String(80), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: full | code (second factor pending) | enrol (must enrol a second factor first)
    stage: Mapped[str] = mapped_column(String(8))
    #: a TOTP secret being enrolled, encrypted (core.mfa.seal); cleared once confirmed
    pending_secret: Mapped[str | None] = mapped_column(String(255))
    #: fresh recovery codes, encrypted, until the page that shows them once has been served
    pending_codes: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


def session_limits() -> tuple[dt.timedelta, dt.timedelta]:
    """(idle, absolute) lifetime of a full session, from the configuration."""
    cfg = current_app.config
    maximum = dt.timedelta(hours=int(cfg.get("SESSION_MAX_HOURS") or 12))
    idle = dt.timedelta(hours=int(cfg.get("SESSION_IDLE_HOURS") or 8))
    return min(idle, maximum), maximum


def expires_at(row: UserSession) -> dt.datetime:
    """When ``row`` stops being valid (unless it ends earlier)."""
    if row.stage != "full":
        return row.created_at + PENDING_LIFETIME[row.stage]
    idle, maximum = session_limits()
    return min(row.created_at + maximum, row.last_seen_at + idle)


def start_session(
    session: Session, user_id: int, stage: str = "full", pending_secret: str | None = None
) -> tuple[UserSession, str]:
    """A new session row; returns it with the id for the cookie (never stored as such)."""
    now = utcnow()
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user_id, UserSession.created_at < now - KEEP_ENDED
        )
    )
    token = secrets.token_urlsafe(32)
    row = UserSession(
        token_hash=hash_token(token, PURPOSE),
        user_id=user_id,
        stage=stage,
        pending_secret=pending_secret,
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return row, token


def find_session(session: Session, token: Any) -> UserSession | None:
    """The live session whose cookie id is ``token``, or None (unknown, ended, expired)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    row = session.scalar(
        select(UserSession).where(UserSession.token_hash == hash_token(token, PURPOSE))
    )
    if row is None or row.ended_at is not None or expires_at(row) <= utcnow():
        return None
    return row


def end_session(row: UserSession) -> None:
    """End one session (logout, or a pending login that was completed or failed)."""
    if row.ended_at is None:
        row.ended_at = utcnow()


def end_user_sessions(session: Session, user_id: int) -> int:
    """End every session of a user (pending ones too); returns how many were open."""
    still_open = session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user_id, open_condition())
    )
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(still_open or 0)


def open_condition() -> ColumnElement[bool]:
    """SQL: a full session that has neither ended nor expired."""
    now = utcnow()
    idle, maximum = session_limits()
    return (
        (UserSession.stage == "full")
        & UserSession.ended_at.is_(None)
        & (UserSession.created_at > now - maximum)
        & (UserSession.last_seen_at > now - idle)
    )


def open_session_counts(session: Session, user_ids: Iterable[int]) -> dict[int, int]:
    """Open (full, live) sessions per user id."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(UserSession.user_id, func.count())
        .where(UserSession.user_id.in_(ids), open_condition())
        .group_by(UserSession.user_id)
    )
    return {int(uid): int(n) for uid, n in rows}


def touch(session: Session, row: UserSession, *, apart: bool) -> None:
    """Record activity, at most once a minute.

    ``apart``: in a short transaction of its own, for requests that only read (their own
    transaction must not turn into a writer); else in ``session``, whose request writes
    anyway (and on SQLite already holds the write lock).
    """
    now = utcnow()
    if now - row.last_seen_at < TOUCH_EVERY:
        return
    statement = (
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(last_seen_at=now)
    )
    if apart:
        write_apart(statement)
    else:
        session.execute(statement.execution_options(synchronize_session=False))
    set_committed_value(row, "last_seen_at", now)
