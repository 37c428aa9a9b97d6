"""Users (regulators, admins) with argon2 passwords, and partner API clients."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from core.audit import audit
from core.db import Base, UTCDateTime, enum_check, utcnow, write_soon
from core.errors import Conflict, Invalid, NotFound
from core.keyed_hash import hash_token, verify_token
from core.messages import msg
from core.passwords import hash_secret, needs_rehash, verify_secret
from core.reference import region_prefix
from core.speedups import driver_reads

#: regulators' roles (the regulator pages) and enterprise users' roles (the enterprise's own
#: pages, bound to one enterprise: a manager also manages its users, a filer files)
REGULATOR_ROLES = ("regulator", "admin")
ENTERPRISE_ROLES = ("enterprise_manager", "enterprise_filer")
ROLES = REGULATOR_ROLES + ENTERPRISE_ROLES
SCOPES = ("read", "exports", "webhooks", "records:write")
KEY_PREFIX = "ec_"
#: purpose of the keyed hash of API keys (core.keyed_hash)
KEY_PURPOSE = "api-key"


class User(Base):
    """A regulator or administrator who logs in to the regulator pages, or an enterprise's
    user (``enterprise_id`` set) who logs in to that enterprise's pages only."""

    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", ROLES),
        # an enterprise role is bound to an enterprise, and only an enterprise role is
        CheckConstraint(
            "(enterprise_id IS NULL) = (role IN ('regulator', 'admin'))",
            name="enterprise_role_bound",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(24))
    #: GB/T 2260 code of the region the user acts for; its prefix scopes what they may touch
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the TOTP secret, encrypted (core.mfa.seal); None = no second factor enrolled
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    #: the last TOTP time step accepted: its code (and earlier ones) are never accepted again
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    mfa_enrolled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the last completed login (password and, when enrolled, second factor)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the enterprise an enterprise user acts for (None for regulators)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )

    @property
    def is_enterprise_user(self) -> bool:
        """True for an enterprise's user: never a regulator, whatever else it holds."""
        return self.enterprise_id is not None

    @property
    def mfa_enrolled(self) -> bool:
        """True once a TOTP second factor has been set up and confirmed."""
        return self.mfa_enrolled_at is not None and self.totp_secret is not None

    @property
    def scope_prefix(self) -> str:
        """Region-code prefix this user may act within ('' = everywhere)."""
        return region_prefix(self.region_code)

    def may_act_in(self, region_code: str | None) -> bool:
        """True if ``region_code`` lies inside this regulator's region (never for an
        enterprise's user: its region is its enterprise's, not one it supervises)."""
        if self.enterprise_id is not None:
            return False
        return bool(region_code) and str(region_code).startswith(self.scope_prefix)


def regulators() -> ColumnElement[bool]:
    """The users who are regulators: lists of officers (assignees, digests, grid members)
    never hold an enterprise's users."""
    return User.enterprise_id.is_(None)


class ApiClient(Base):
    """A partner system with an API key (only its keyed hash is stored)."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: first characters of the key, shown in listings so a partner can tell keys apart
    key_prefix: Mapped[str] = mapped_column(String(12))
    #: ``hmac-sha256$…`` (core.keyed_hash); keys created before keyed hashes hold a plain
    #: SHA-256 hex digest until their next use rewrites it
    key_hash: Mapped[str] = mapped_column(String(100), unique=True)
    #: space-separated scopes from SCOPES
    scopes: Mapped[str] = mapped_column(String(200), default="read")
    #: requests per minute; None = the partner default
    quota_per_minute: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes.split()


def hash_password(password: str) -> str:
    return hash_secret(password)


def validate_password(password: str) -> None:
    """Reject passwords too short to be worth hashing."""
    if len(password) < 10:
        raise Invalid(
            msg("密码至少需要 10 个字符"),
            {"password": [msg("密码至少需要 10 个字符")]},
        )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    region_code: str,
    password: str,
    enterprise_id: int | None = None,
) -> User:
    """Create a user; the e-mail is unique (case-insensitive). An enterprise role needs
    ``enterprise_id`` and a regulator role refuses one."""
    email = email.strip().lower()
    if role not in ROLES or (role in ENTERPRISE_ROLES) != (enterprise_id is not None):
        raise Invalid(msg("未知角色：%(role)s", role=role), {"role": [", ".join(ROLES)]})
    if "@" not in email:
        raise Invalid(msg("邮箱格式不正确"), {"email": [msg("邮箱格式不正确")]})
    validate_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(msg("邮箱 %(email)s 已注册", email=email))
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        region_code=region_code,
        password_hash=hash_password(password),
        enterprise_id=enterprise_id,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    max_failures: int = 5,
    lockout: dt.timedelta = dt.timedelta(minutes=15),
) -> User | None:
    """Return the user if the password matches and the account is not locked.

    Failures are counted; after ``max_failures`` the account locks for ``lockout``.
    The caller commits either way so the counter persists. For a user with a second
    factor the counter is cleared only once the code is right too (``record_login``), so
    wrong codes and wrong passwords add up to the same lockout.
    """
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        verify_secret(None, password)  # as long as a real check: timing reveals no accounts
        return None
    if is_locked(user):
        return None
    if not verify_secret(user.password_hash, password):
        record_failure(user, max_failures=max_failures, lockout=lockout)
        return None
    if not user.mfa_enrolled:
        record_login(user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(user: User) -> None:
    """A login completed: clear the failure counter and note the time."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()


def record_failure(user: User, *, max_failures: int, lockout: dt.timedelta) -> None:
    """One more failed attempt (password or code); locks the account at ``max_failures``."""
    user.failed_logins += 1
    if user.failed_logins >= max_failures:
        user.locked_until = utcnow() + lockout
        user.failed_logins = 0


def is_locked(user: User) -> bool:
    """True while a lockout lasts."""
    return bool(user.locked_until and user.locked_until > utcnow())


def hash_key(key: str) -> str:
    """The stored form of an API key: its keyed hash (HMAC-SHA256 with ``HASH_KEY``)."""
    return hash_token(key, KEY_PURPOSE)


def legacy_key_digest(key: str) -> str:
    """How keys were stored before keyed hashes: a plain SHA-256 hex digest."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_client(
    session: Session,
    name: str,
    scopes: list[str] | tuple[str, ...] = ("read",),
    quota_per_minute: int | None = None,
) -> tuple[ApiClient, str]:
    """Create an API client; returns it with the plaintext key, which is never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise Invalid(
            msg("未知权限范围：%(scopes)s", scopes=", ".join(unknown)),
            {"scope": [", ".join(SCOPES)]},
        )
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise Conflict(msg("已存在名为“%(name)s”的 API 客户端", name=name))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    scope_set = {"read", *scopes}
    client = ApiClient(
        name=name,
        key_prefix=key[:10],
        key_hash=hash_key(key),
        scopes=" ".join(s for s in SCOPES if s in scope_set),
        quota_per_minute=quota_per_minute,
    )
    session.add(client)
    session.flush()
    return client, key


def _upgrade_legacy_key(session: Session, key: str, keyed: str) -> ApiClient | None:
    """The client whose key is still stored as plain SHA-256; its hash is rewritten to the
    keyed one on this use (``write_soon``: keys are looked up before read-only requests
    too, which commit nothing)."""
    legacy = legacy_key_digest(key)
    client = session.scalar(select(ApiClient).where(ApiClient.key_hash == legacy))
    if client is None:
        return None
    write_soon(
        session,
        update(ApiClient)
        .where(ApiClient.id == client.id, ApiClient.key_hash == legacy)
        .values(key_hash=keyed),
    )
    set_committed_value(client, "key_hash", keyed)
    return client


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """The partner behind a request's key: what the API layer needs of an :class:`ApiClient`."""

    id: int
    name: str
    scopes: str
    quota_per_minute: int | None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes.split()


_CALLER_COLUMNS = (
    ApiClient.id,
    ApiClient.name,
    ApiClient.key_hash,
    ApiClient.scopes,
    ApiClient.quota_per_minute,
    ApiClient.revoked_at,
)
# Every partner request looks its key up first: a prepared driver read of committed rows,
# without opening the session's transaction (the enterprise read works the same way).
_read_caller = driver_reads(
    select(*_CALLER_COLUMNS).where(ApiClient.key_hash == bindparam("key_hash")), "key_hash"
)


def find_api_client(session: Session, key: str) -> ApiCaller | None:
    """The active client owning ``key``, or None.

    Outside a transaction the key is read with one prepared driver read of committed rows;
    a session already in a transaction is read through, so that it sees its own writes. A key
    still stored the legacy way is found (and rewritten) through the session.
    """
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    keyed = hash_key(key)
    row: Any
    if session.in_transaction():
        row = session.execute(select(*_CALLER_COLUMNS).where(ApiClient.key_hash == keyed)).first()
    else:
        row = _read_caller(session.get_bind(), keyed)
    if row is None:
        row = _upgrade_legacy_key(session, key, keyed)  # its key_hash is the keyed one now
        if row is None:
            return None
    if row.revoked_at is not None or not verify_token(row.key_hash, key, KEY_PURPOSE):
        return None
    return ApiCaller(row.id, row.name, row.scopes, row.quota_per_minute)


def list_api_clients(session: Session) -> list[ApiClient]:
    """Every API client, newest first (revoked ones too)."""
    return list(session.scalars(select(ApiClient).order_by(ApiClient.id.desc())))


def revoke_api_client(session: Session, client_id: int, actor: str) -> ApiClient:
    """Revoke a key at once (its requests get 401 from then on); audited."""
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(msg("没有编号为 %(id)s 的 API 密钥", id=client_id))
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        audit(session, actor, "api_key.revoke", f"api_client:{client.id}", {"name": client.name})
    return client
