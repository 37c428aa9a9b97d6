"""Logs: one JSON object per line (or plain text for development), a request id per request,
and redaction of what must never be written down.

``LOG_FORMAT`` is ``json`` (the default) or ``text``. Every line carries ``timestamp``,
``level``, ``logger`` and ``event``; inside a request also ``request_id``, and the line each
request ends with adds ``method``, ``endpoint``, ``path`` (never the query string), ``status``
and ``duration_ms``. The request id is the client's ``X-Request-ID`` when it is a short token
of safe characters, else a new one; it goes back in the ``X-Request-ID`` header and in every
problem+json body.

What never reaches a log: request bodies and query strings (nothing logs them); a reporter's
identity, passwords, tracking secrets, activation and MFA codes, API keys, the metrics token,
``Authorization`` and ``Cookie`` values. :class:`Redact` is the second line of defence: a
``key=value`` or ``"key": value`` pair whose key names one of those has its value replaced,
a ``Bearer`` credential, an e-mail address and a mobile number are cut, a query string after
a request line is dropped, and an attribute of the record with such a name is blanked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request

#: the formats LOG_FORMAT may name
FORMATS = ("json", "text")
HEADER = "X-Request-ID"
#: an incoming request id is kept only when it looks like one (no spaces, quotes, CR/LF …)
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
#: record attributes written as fields of a JSON line when present
FIELDS = ("request_id", "method", "endpoint", "path", "status", "duration_ms")
REDACTED = "[redacted]"
#: names of fields whose values are never logged (lower case; ``-`` and ``_`` alike)
SENSITIVE = (
    "password",
    "passwd",
    "current",
    "secret",
    "tracking_secret",
    "token",
    "metrics_token",
    "api_key",
    "apikey",
    "key",
    "authorization",
    "cookie",
    "set_cookie",
    "activation_code",
    "mfa_code",
    "otp",
    "totp",
    "code_secret",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "reporter_contact",
    "contact",
    "phone",
    "email",
    "first_name",
    "last_name",
    "name_of_reporter",
)
_KEYS = "|".join(sorted({re.escape(k).replace("_", "[-_]") for k in SENSITIVE}, key=len)[::-1])
_PAIR = re.compile(
    rf"""(?ix)(?<![A-Za-z0-9])(["']?(?:{_KEYS})["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;)}}\]]+)"""
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_REQUEST_LINE = re.compile(r"\b((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /[^\s?\"]*)\?[^\s\"]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: a mainland mobile number standing alone (not inside a USCC or an id)
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9A-Za-z])")
_PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """``text`` with sensitive values, credentials and query strings cut out."""
    text = _REQUEST_LINE.sub(r"\1", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PAIR.sub(lambda m: m.group(1) + REDACTED, text)
    text = _EMAIL.sub(REDACTED, text)
    return _MOBILE.sub(REDACTED, text)


def _sensitive(name: str) -> bool:
    return name.lower().replace("-", "_") in SENSITIVE


class Redact(logging.Filter):
    """Scrub each record before any handler formats it (message, arguments, extras)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what it was, scrubbed
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        for name in list(vars(record)):
            if name not in _STANDARD and _sensitive(name):
                setattr(record, name, REDACTED)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RequestContext(logging.Filter):
    """Put the current request's id on each record made inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC), level, logger, event and known fields."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created, dt.UTC)
        out: dict[str, Any] = {
            "timestamp": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value not in (None, "-"):
                out[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The development format: time, level, logger, request id and message."""

    def __init__(self) -> None:
        super().__init__(_PLAIN)


def formatter(kind: str) -> logging.Formatter:
    """The formatter of ``LOG_FORMAT`` ``kind`` (ValueError for an unknown one)."""
    if kind not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {kind!r}")
    return JsonFormatter() if kind == "json" else TextFormatter()


def env_formatter() -> logging.Formatter:
    """The formatter ``LOG_FORMAT`` in the environment names (gunicorn's logconfig_dict)."""
    import os

    return formatter(os.environ.get("LOG_FORMAT", "json").strip().lower())


def handler(kind: str, stream: Any = None) -> logging.Handler:
    """A stream handler (stderr) with the formatter of ``kind`` and both filters."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(formatter(kind))
    out.addFilter(Redact())
    out.addFilter(RequestContext())
    out._envcredit = True  # type: ignore[attr-defined]  # ours: replaced, never stacked
    return out


def configure_logging(app: Flask) -> None:
    """Send every logger's records through one handler of ``LOG_FORMAT`` on the root logger."""
    kind = str(app.config.get("LOG_FORMAT") or "json").strip().lower()
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_envcredit", False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler(kind))
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # gunicorn's own lines (start-up, worker exits) go through the same handler
    logging.getLogger("gunicorn.error").handlers.clear()
    logging.getLogger("gunicorn.error").propagate = True


def request_id() -> str | None:
    """The id of the current request (None outside a request)."""
    if not has_request_context():
        return None
    return g.get("request_id")


def accepted_id(value: str | None) -> str:
    """``value`` when it is a safe request id, else a new one."""
    if value and _SAFE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


log = logging.getLogger("envcredit.request")


def init_request_logging(app: Flask) -> None:
    """A request id for every request, and one line when each request ends."""

    @app.before_request
    def _start() -> None:
        g.request_id = accepted_id(request.headers.get(HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Any) -> Any:
        rid = g.get("request_id") or accepted_id(None)
        response.headers[HEADER] = rid
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started else 0.0
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
        log.info(
            "request",
            extra={
                "request_id": rid,
                "method": request.method,
                "endpoint": endpoint,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration, 2),
            },
        )
        return response
