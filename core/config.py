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
    #: the canonical base URL (e.g. https://credit.example.gov.cn): every absolute URL the
    #: platform writes (feeds, QR codes, Link headers, data packages, mails) starts with it
    "PUBLIC_BASE_URL": None,
    #: the site's name, and the authority that runs it (e.g. 某某市生态环境局): the Atom feed's
    #: author (RFC 4287 §4.2.1); unset = the site name
    "SITE_NAME": "企业环境信用公示平台",
    "SITE_AUTHORITY": None,
    #: shown in every page's footer: how to reach the authority (phone, address or mail), the
    #: ICP filing number (ICP备案号) and the government website identifier (政府网站标识码)
    "SITE_CONTACT": None,
    "SITE_ICP": None,
    "SITE_GOV_ID": None,
    #: a TrueType CJK font (.ttf/.ttc) the PDF credit report embeds; unset = Debian's
    #: fonts-wqy-microhei, else reportlab's non-embedded STSong-Light
    "REPORT_FONT": None,
    #: the tagging entity of feed and entry ids (RFC 4151: a domain or e-mail address the
    #: publisher owned on a date, "envcredit.org,2026"); entry ids are
    #: tag:<this>:penalty/<id> and must never change once a feed is read
    "FEED_TAG_AUTHORITY": "envcredit.org,2026",
    #: Host header values accepted (comma-separated; the host of PUBLIC_BASE_URL is added);
    #: any other Host gets 400
    "TRUSTED_HOSTS": "127.0.0.1,localhost",
    #: proxies in front of the app (nginx: 1) whose X-Forwarded-For / -Proto / -Host it
    #: believes; 0 = none: the peer's address is the client's
    "PROXY_HOPS": 0,
    #: key for the keyed hashes of tracking secrets and API keys (else instance/hash_key)
    "HASH_KEY": None,
    #: key of the audit log's HMAC chain, kept outside the database (else instance/audit_key)
    "AUDIT_KEY": None,
    #: regulators must enrol a TOTP second factor ("required") or may ("optional")
    "REGULATOR_MFA": "required",
    #: regulator sessions end after this many idle hours, and in any case after the maximum
    "SESSION_IDLE_HOURS": 8,
    "SESSION_MAX_HOURS": 12,
    #: outgoing mail (smtp://host:port); unset = no mail is sent
    "SMTP_URL": None,
    "MAIL_FROM": "envcredit <noreply@localhost>",
    #: Run the change-log consumers (indexer, rescoring, webhooks) as threads of the app.
    "BACKGROUND_CONSUMERS": True,
    "API_ANON_RATE_LIMIT": "120 per minute",
    "API_PARTNER_RATE_LIMIT": "3000 per minute",
    #: bulk downloads (exports, data package resources) per address without a key; a key
    #: lifts it (its own API quota still counts); `frictionless validate` of the data package
    #: downloads 10 files
    "EXPORT_ANON_RATE_LIMIT": "30 per minute",
    #: allow webhook URLs on private or loopback addresses (tests, closed networks)
    "WEBHOOK_ALLOW_PRIVATE": False,
    "TIPOFF_RATE_LIMIT": "10 per hour",
    "TIPOFF_TRACK_RATE_LIMIT": "60 per hour",
    #: /stats shows a region's satisfaction and on-time rates (and ranks it) only from this
    #: many questionnaire answers (or acceptance decisions, or closures) in the month
    "STATS_MIN_SAMPLE": 10,
    #: login attempts per address (the per-account lockout is LOGIN_MAX_FAILURES)
    "LOGIN_RATE_LIMIT": "30 per hour",
    #: objections, credit-repair applications and data error reports per address
    "CASE_RATE_LIMIT": "10 per hour",
    #: a data error report (报告数据错误) is answered within this many China working days
    "DATA_ERROR_WORKDAYS": 5,
    #: e-mail subscription requests (form and API) per address
    "SUBSCRIBE_RATE_LIMIT": "20 per hour",
    #: Open311 status look-ups (each may name several requests) per address
    "OPEN311_LOOKUP_RATE_LIMIT": "120 per hour",
    #: region (usually a province, e.g. 620000) whose regulators triage Open311 reports no
    #: region could be found for; unset = they wait, with no region, for national admins
    "TRIAGE_REGION_CODE": None,
    #: where the compact WGS-84 boundary file (`flask places build`) is kept; unset = the
    #: instance folder
    "PLACES_CACHE_DIR": None,
    #: the HJ 212 receiver (`flask monitoring serve`): open connections at most, seconds a
    #: connection may stay silent, seconds a started packet may take to arrive whole
    "MONITORING_MAX_CONNECTIONS": 1000,
    "MONITORING_IDLE_TIMEOUT": 120,
    "MONITORING_PACKET_TIMEOUT": 10,
    #: days of real-time and minute data kept (`flask monitoring prune`); hourly and daily
    #: means are kept MONITORING_RETENTION_DAYS (0 = for ever)
    "MONITORING_RAW_RETENTION_DAYS": 30,
    "MONITORING_RETENTION_DAYS": 0,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT_MINUTES": 15,
    #: webhooks one partner key may register
    "WEBHOOK_MAX_PER_CLIENT": 5,
    #: seconds a webhook sender holds the deliveries it took (0 = ten sends' deadline + 30)
    "WEBHOOK_LEASE_SECONDS": 0,
    #: JSON request bodies: bytes, nesting depth and digits in one number, checked before
    #: parsing (413 / 400)
    "JSON_MAX_BYTES": 2 * 1024 * 1024,
    "JSON_MAX_DEPTH": 32,
    "JSON_MAX_NUMBER_DIGITS": 40,
    #: query strings longer than this get 414 (problem+json)
    "MAX_QUERY_BYTES": 4096,
    #: lets a non-loopback client read /metrics with `Authorization: Bearer <token>`;
    #: unset = loopback clients only
    "METRICS_TOKEN": None,
    #: log lines: one JSON object per line ("json") or plain text for development ("text")
    "LOG_FORMAT": "json",
    "LOG_LEVEL": "INFO",
    #: annual disclosure reports: a reported emission is flagged for the regulator when it is
    #: above the permit's annual limit, or differs from the emission account or the monitoring
    #: network's total, by more than this fraction (0.2 = 20%); flags never block submission
    "DISCLOSURE_PLAUSIBILITY_MARGIN": "0.2",
    #: GB/T 4754 industry code prefixes whose annual report must have the carbon part
    #: (碳排放信息); default: the national carbon market's sectors (power, cement, steel,
    #: aluminium); empty = no enterprise must
    "DISCLOSURE_CARBON_INDUSTRIES": "D44,C301,C31,C3216",
}

#: the instance's secrets: each is generated into its instance file unless configured
KEY_FILES = {"SECRET_KEY": "secret_key", "HASH_KEY": "hash_key", "AUDIT_KEY": "audit_key"}

_BOOL_KEYS = {"BACKGROUND_CONSUMERS", "WEBHOOK_ALLOW_PRIVATE"}
_INT_KEYS = {
    "LOGIN_MAX_FAILURES",
    "LOGIN_LOCKOUT_MINUTES",
    "SESSION_IDLE_HOURS",
    "SESSION_MAX_HOURS",
    "WEBHOOK_MAX_PER_CLIENT",
    "WEBHOOK_LEASE_SECONDS",
    "JSON_MAX_BYTES",
    "JSON_MAX_DEPTH",
    "JSON_MAX_NUMBER_DIGITS",
    "MAX_QUERY_BYTES",
    "MONITORING_MAX_CONNECTIONS",
    "MONITORING_IDLE_TIMEOUT",
    "MONITORING_PACKET_TIMEOUT",
    "MONITORING_RAW_RETENTION_DAYS",
    "MONITORING_RETENTION_DAYS",
    "STATS_MIN_SAMPLE",
    "PROXY_HOPS",
    "DATA_ERROR_WORKDAYS",
}


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
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    _owner_only(instance)
    config["ENVCREDIT_INSTANCE"] = str(instance)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'envcredit.sqlite3'}"
    for key, filename in KEY_FILES.items():
        if not config[key]:
            config[key] = persistent_secret(instance / filename)
    config["TRUSTED_HOSTS"] = trusted_hosts(config["TRUSTED_HOSTS"], config["PUBLIC_BASE_URL"])
    config.setdefault("INDEX_DIR", str(instance / "index"))
    config.setdefault("UPLOAD_DIR", str(instance / "uploads"))
    return config


def trusted_hosts(value: Any, public_base_url: str | None) -> list[str]:
    """The accepted Host names: the configured list plus the host of ``PUBLIC_BASE_URL``."""
    from urllib.parse import urlsplit

    hosts = [h.strip() for h in (value.split(",") if isinstance(value, str) else value or [])]
    if public_base_url:
        host = urlsplit(public_base_url).hostname
        if host:
            hosts.append(host)
    return list(dict.fromkeys(h for h in hosts if h))


def _owner_only(path: Path) -> None:
    """Keep the instance folder (database, index, uploads, keys) to the service account."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError:  # not ours to change (a shared mount): the files inside are still 0600
        pass


def private_dir(path: Path | str) -> Path:
    """Create (or tighten) a folder only the service account may enter (0700)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _owner_only(path)
    return path


def private_file(path: Path | str) -> Path:
    """Make sure ``path`` exists with mode 0600 before a library opens it.

    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file, so creating
    the database 0600 keeps reporters' identities and password hashes from other local
    accounts; an existing file is tightened.
    """
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path


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
