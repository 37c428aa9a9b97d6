"""argon2 hashes of regulators' passwords and tip-off secrets, and their verification.

A check against an unknown account or tracking code verifies a dummy hash instead, so that
it takes as long as a real one and timing does not reveal which accounts or codes exist.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_secret(secret: str) -> str:
    """An argon2id hash (salt and parameters included) of ``secret``."""
    return _hasher.hash(secret)


def needs_rehash(secret_hash: str) -> bool:
    """True when ``secret_hash`` was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(secret_hash)


@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import: an argon2 hash holds 64 MiB while it is computed,
    and most processes (web workers serving reads, CLI commands) never need this one."""
    return _hasher.hash(secrets.token_hex(16))


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches ``secret_hash``; None (nothing on record) takes as long
    and is False."""
    try:
        return _hasher.verify(secret_hash or _dummy_hash(), secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False
