"""Tracking codes and secrets: generated, normalised, and checked against their keyed hashes."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from core.db import write_soon
from core.errors import NotFound
from core.keyed_hash import hash_token, is_keyed, verify_token
from core.messages import msg
from core.passwords import verify_secret
from credit.tipoffs.models import TipOff

#: purpose of the keyed hash of tracking secrets (core.keyed_hash)
HASH_PURPOSE = "tipoff-secret"


CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


NOT_FOUND = msg("查询码或密钥不正确")


def _random(n: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def random_code(prefix: str) -> str:
    """A human code such as ``JB-7K3M9-QX2WD``: the prefix and 50 random bits."""
    return f"{prefix}-{_random(5)}-{_random(5)}"


def new_tracking_code() -> str:
    """A tracking code such as ``JB-7K3M9-QX2WD`` (50 random bits)."""
    return random_code("JB")


def new_secret() -> str:
    """The reporter's secret, e.g. ``K7QM-2WXD-9PLT-F3HZ`` (80 random bits)."""
    raw = _random(16)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def squash(value: str | None) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value or "")[:64].upper()


def normalize_code(value: str | None) -> str | None:
    """``jb 7k3m9 qx2wd`` → ``JB-7K3M9-QX2WD``; None when it cannot be a code."""
    raw = squash(value)
    if len(raw) != 12 or not raw.startswith("JB") or set(raw[2:]) - set(CODE_ALPHABET):
        return None
    return f"JB-{raw[2:7]}-{raw[7:]}"


def _secret_matches(tipoff: TipOff, candidate: str) -> bool:
    """Keyed-hash check; a row filed before keyed hashes is checked with argon2 once and
    rehashed on that first success (``write_soon``: tracking may be a read-only request)."""
    if is_keyed(tipoff.secret_hash):
        return verify_token(tipoff.secret_hash, candidate, HASH_PURPOSE)
    if not verify_secret(tipoff.secret_hash, candidate):
        return False
    keyed = hash_token(candidate, HASH_PURPOSE)
    session = object_session(tipoff)
    assert session is not None
    write_soon(session, update(TipOff).where(TipOff.id == tipoff.id).values(secret_hash=keyed))
    set_committed_value(tipoff, "secret_hash", keyed)
    return True


def find_tracked(
    session: Session, code: str | None, secret: str | None, *, lock: bool = False
) -> TipOff:
    """The tip-off for code + secret; the same NotFound for a wrong code or a wrong secret."""
    normal = normalize_code(code)
    stmt = select(TipOff).where(TipOff.tracking_code == normal)
    tipoff = session.scalar(stmt.with_for_update() if lock else stmt) if normal else None
    candidate = squash(secret)
    if tipoff is None:
        verify_token(None, candidate, HASH_PURPOSE)  # the HMAC a wrong secret costs too
        raise NotFound(NOT_FOUND)
    if not _secret_matches(tipoff, candidate):
        raise NotFound(NOT_FOUND)
    return tipoff
