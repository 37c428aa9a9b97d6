"""The regulators' second factor: TOTP (RFC 6238, pyotp) and single-use recovery codes.

TOTP secrets are stored encrypted (AES-256-GCM, ``cryptography``) under a key derived from
``HASH_KEY``, with the user id as associated data: a copy of the database alone yields no
secret, and a ciphertext moved to another user's row does not decrypt. Changing
``HASH_KEY`` therefore invalidates every enrolment (``flask users reset-mfa``).
A code is accepted for the current 30-second step and one step either side, and never for
a step at or before the last one accepted: an observed code cannot be replayed.
Recovery codes (10, shown once) are stored as keyed hashes and work once each.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import os
import re
import secrets
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.audit import audit
from core.db import Base, UTCDateTime, utcnow, write_apart
from core.errors import Invalid
from core.keyed_hash import hash_token, keyed_digest
from core.messages import msg
from core.users import User

ISSUER = "envcredit"
RECOVERY_COUNT = 10
RECOVERY_PURPOSE = "recovery-code"
SEALED_PREFIX = "aesgcm$"
#: no 0/O, 1/I/L: codes are read off paper
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TOTP_CODE = re.compile(r"\d{6}")


class RecoveryCode(Base):
    """One single-use recovery code of a user (only its keyed hash)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# pyotp and cryptography (~8 MB) are imported by the functions that use them: every web
# worker imports this module, few requests log in (bench/api measures an idle worker's RSS)
def _aead() -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(bytes.fromhex(keyed_digest("aes-256-gcm", "mfa-encryption-key")))


def seal(value: str, user_id: int, purpose: str) -> str:
    """Encrypt ``value`` for one user and purpose."""
    nonce = os.urandom(12)
    data = _aead().encrypt(nonce, value.encode("utf-8"), f"{purpose}:{user_id}".encode())
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + data).decode("ascii")


def unseal(stored: str | None, user_id: int, purpose: str) -> str | None:
    """The value :func:`seal` encrypted, or None (missing, tampered, another key or user)."""
    if not stored or not stored.startswith(SEALED_PREFIX):
        return None
    from cryptography.exceptions import InvalidTag

    try:
        raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :])
        plain = _aead().decrypt(raw[:12], raw[12:], f"{purpose}:{user_id}".encode())
    except (InvalidTag, ValueError):
        return None
    return plain.decode("utf-8")


def new_secret(user: User) -> str:
    """A fresh TOTP secret for ``user``, sealed (to keep until enrolment is confirmed)."""
    import pyotp

    return seal(pyotp.random_base32(), user.id, "totp")


def provisioning_uri(sealed: str, user: User) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    import pyotp

    return pyotp.TOTP(unseal(sealed, user.id, "totp") or "").provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def plain_secret(sealed: str, user: User) -> str:
    """The base32 secret, grouped by four for typing into an app by hand."""
    secret = unseal(sealed, user.id, "totp") or ""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: dt.datetime | None = None) -> int | None:
    """The time step (current or one either side) whose code is ``code``, or None."""
    import pyotp

    code = code.strip().replace(" ", "")
    if not TOTP_CODE.fullmatch(code) or not secret:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was: atomic, so two
    requests with the same code cannot both succeed."""
    result = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    session.expire(user, ["totp_last_step"])
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def verify_totp(session: Session, user: User, code: str) -> bool:
    """True for a current code of the user's enrolled secret that was not used before."""
    step = matching_step(unseal(user.totp_secret, user.id, "totp") or "", code)
    return step is not None and _claim_step(session, user, step)


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with 10 new ones, returned once in plain text."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(raw, RECOVERY_PURPOSE)))
    session.flush()
    return codes


def _normalise_recovery(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """Spend one recovery code: True once per code, then never again."""
    raw = _normalise_recovery(code)
    if len(raw) != 10:
        return False
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_token(raw, RECOVERY_PURPOSE),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def remaining_recovery_codes(session: Session, user: User) -> int:
    """How many unused recovery codes the user has."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def remaining_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Unused recovery codes per user id (users with none are absent)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(RecoveryCode.user_id, func.count())
        .where(RecoveryCode.user_id.in_(user_ids), RecoveryCode.used_at.is_(None))
        .group_by(RecoveryCode.user_id)
    )
    return {int(uid): int(n) for uid, n in rows}


def verify_second_factor(session: Session, user: User, code: str) -> str | None:
    """Check a login code: ``"totp"`` or ``"recovery-code"`` for the kind accepted, else None."""
    compact = code.strip().replace(" ", "")
    if TOTP_CODE.fullmatch(compact):
        return "totp" if verify_totp(session, user, compact) else None
    return "recovery-code" if use_recovery_code(session, user, code) else None


def confirm_enrolment(session: Session, user: User, sealed: str, code: str) -> list[str] | None:
    """Enrol ``sealed`` as the user's secret if ``code`` is one of its current codes;
    returns the new recovery codes (or None: wrong code, nothing stored)."""
    step = matching_step(unseal(sealed, user.id, "totp") or "", code)
    if step is None:
        return None
    user.totp_secret = sealed
    user.totp_last_step = step
    user.mfa_enrolled_at = utcnow()
    audit(session, f"user:{user.id}", "user.mfa_enrol", f"user:{user.id}")
    return new_recovery_codes(session, user)


def clear_mfa(session: Session, user: User) -> None:
    """Remove the user's second factor and recovery codes (they enrol again)."""
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enrolled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


#: purpose of the sealed recovery codes waiting on a session row to be shown once
CODES_PURPOSE = "recovery-codes"


def hold_recovery_codes(row: Any, user: User, codes: list[str]) -> None:
    """Keep new recovery codes, encrypted, on the user's session row until the page that
    shows them once (then ``take_recovery_codes``); the enrolment secret is done with."""
    row.pending_secret = None
    row.pending_codes = seal("\n".join(codes), user.id, CODES_PURPOSE)


def take_recovery_codes(row: Any, user: User) -> list[str] | None:
    """The codes held on ``row`` (None if none), removed from the server as they are read."""
    from core.sessions import UserSession

    codes = unseal(row.pending_codes, user.id, CODES_PURPOSE)
    if row.pending_codes:
        write_apart(
            UserSession.__table__.update()
            .where(UserSession.id == row.id)
            .values(pending_codes=None)
        )
    return codes.split("\n") if codes else None


def renew_recovery_codes(session: Session, user: User, code: str, row: Any) -> None:
    """Ten new recovery codes (the old ones stop working) for a current TOTP code, held on
    the session row to be shown once; Invalid for a wrong or used code."""
    if not user.mfa_enrolled or not verify_totp(session, user, code):
        raise Invalid(
            msg("验证码不正确或已使用过。"),
            {"code": [msg("验证码不正确或已使用过。")]},
        )
    hold_recovery_codes(row, user, new_recovery_codes(session, user))
    audit(session, f"user:{user.id}", "user.recovery_codes_renew", f"user:{user.id}")
