"""Configuration: every key has a default and can be overridden from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

#: Keys read from the environment, with their defaults (None = derived below).
DEFAULTS: dict[str, Any] = {
    "ENVCREDIT_INSTANCE": "./instance",
    "DATABASE_URL": None,
    "SEARCH_BACKEND": "sqlite",
    "REDIS_URL": None,
    "SECRET_KEY": None,
    "CREDIT_RULEBOOK": "cn-default",
    "PUBLIC_BASE_URL": None,
    #: Run the change-log consumers (indexer, rescoring, webhooks) as threads of the app.
    "BACKGROUND_CONSUMERS": True,
    "API_ANON_RATE_LIMIT": "120 per minute",
    "API_PARTNER_RATE_LIMIT": "3000 per minute",
    #: allow webhook URLs on private or loopback addresses (tests, closed networks)
    "WEBHOOK_ALLOW_PRIVATE": False,
    "TIPOFF_RATE_LIMIT": "10 per hour",
    "TIPOFF_TRACK_RATE_LIMIT": "60 per hour",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT_MINUTES": 15,
}

_BOOL_KEYS = {"BACKGROUND_CONSUMERS", "WEBHOOK_ALLOW_PRIVATE"}
_INT_KEYS = {"LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_MINUTES"}


def _coerce(key: str, value: Any) -> Any:
    if isinstance(value, str) and key in _BOOL_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(value, str) and key in _INT_KEYS:
        return int(value)
    return value


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, the environment and explicit overrides (in that order)."""
    overrides = overrides or {}
    config: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        value = overrides.get(key, os.environ.get(key, default))
        config[key] = _coerce(key, value)
    for key, value in overrides.items():
        config.setdefault(key, value)
    instance = Path(config["ENVCREDIT_INSTANCE"]).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    config["ENVCREDIT_INSTANCE"] = str(instance)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'envcredit.sqlite3'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = persistent_secret(instance / "secret_key")
    config.setdefault("INDEX_DIR", str(instance / "index"))
    config.setdefault("UPLOAD_DIR", str(instance / "uploads"))
    return config


def persistent_secret(path: Path) -> str:
    """Read the instance's secret key, generating it (mode 0600) on first use."""
    if path.exists():
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
    value = secrets.token_hex(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    try:
        # link() fails if another process won the race; then its key is the key.
        os.link(tmp, path)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink()
    return value


def instance_path(config: dict[str, Any], *parts: str) -> Path:
    """A path inside the instance folder."""
    return Path(config["ENVCREDIT_INSTANCE"], *parts)
