"""Keyed fast hashes (HMAC-SHA256) of high-entropy random values: tracking secrets, API keys,
recovery and activation codes.

Such values cannot be guessed, so a slow password hash adds nothing but a CPU cost that an
attacker can make us pay. The key lives outside the database (``HASH_KEY``, else the
instance file ``hash_key``), so a stolen database alone does not let anyone test candidate
values offline. Human passwords keep argon2 (``core.passwords``).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

PREFIX = "hmac-sha256$"


def _key() -> bytes:
    return str(current_app.config["HASH_KEY"]).encode("utf-8")


def keyed_digest(value: str, purpose: str) -> str:
    """Hex HMAC-SHA256 of ``value`` for ``purpose`` (a value hashed for one purpose never
    matches the same value hashed for another)."""
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def hash_token(value: str, purpose: str) -> str:
    """The stored form: ``hmac-sha256$<hex>``."""
    return PREFIX + keyed_digest(value, purpose)


def is_keyed(stored: str | None) -> bool:
    """True when ``stored`` was made by :func:`hash_token` (not a legacy argon2/SHA-256 hash)."""
    return bool(stored) and str(stored).startswith(PREFIX)


def verify_token(stored: str | None, value: str, purpose: str) -> bool:
    """Constant-time check of ``value`` against a stored :func:`hash_token`."""
    expected = hash_token(value, purpose)
    return hmac.compare_digest(expected, stored or "") and stored is not None
