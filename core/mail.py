"""Outgoing mail through ``SMTP_URL`` (flask-mailman): the transport, nothing about content.

``SMTP_URL`` is ``smtp://host:port`` (unset: no mail is sent). Mails are never sent on a
request's path: services queue them in an outbox (``credit.notify``) and a change-log-style
consumer hands them to SMTP with :func:`send_batch`.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail

#: seconds to connect and for each SMTP reply
TIMEOUT = 10
EXTENSION = "mailman"


@dataclass(frozen=True)
class Outgoing:
    """One message: recipient, subject, plain text and HTML bodies, extra headers."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """What SMTP made of one message: ``sent``, ``retry`` (try again later) or ``rejected``
    (a permanent 5xx for this recipient or message); ``error`` is a short reason."""

    outcome: str
    error: str = ""


def parse_smtp_url(url: str) -> tuple[str, int]:
    """``smtp://host:port`` → (host, port); ValueError naming what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme != "smtp" or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"SMTP_URL must look like smtp://host:port, not {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("SMTP_URL takes no credentials, query or fragment")
    return parts.hostname, parts.port or 25


def init_mail(app: Flask) -> None:
    """Configure flask-mailman from ``SMTP_URL`` and ``MAIL_FROM`` (a bad URL stops the app)."""
    url = app.config.get("SMTP_URL")
    if url:
        host, port = parse_smtp_url(str(url))
        app.config.update(
            MAIL_BACKEND="smtp",
            MAIL_SERVER=host,
            MAIL_PORT=port,
            MAIL_USE_TLS=False,
            MAIL_USE_SSL=False,
            MAIL_TIMEOUT=TIMEOUT,
        )
    app.config["MAIL_DEFAULT_SENDER"] = app.config.get("MAIL_FROM")
    Mail(app)


def mail_enabled() -> bool:
    """True when ``SMTP_URL`` is set: mail can be sent."""
    return bool(current_app.config.get("SMTP_URL"))


def _message(item: Outgoing, connection: object) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=item.subject,
        body=item.text,
        from_email=current_app.config.get("MAIL_FROM"),
        to=[item.to],
        headers=dict(item.headers),
        connection=connection,
    )
    message.attach_alternative(item.html, "text/html")
    return message


def send_batch(items: Sequence[Outgoing]) -> list[Result]:
    """Send ``items`` over one SMTP connection; one :class:`Result` per item, in order.

    A refused connection or a dropped session makes every item not yet sent ``retry``.
    """
    mail = current_app.extensions[EXTENSION]
    connection = mail.get_connection(backend="smtp", fail_silently=False)
    results: list[Result] = []
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        return [Result("retry", _reason(exc))] * len(items)
    try:
        for index, item in enumerate(items):
            try:
                connection.send_messages([_message(item, connection)])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                results.append(_rejected_or_retry(exc))
            except (OSError, smtplib.SMTPException) as exc:
                # the session is gone: this one and the rest are tried again later
                results += [Result("retry", _reason(exc))] * (len(items) - index)
                break
            else:
                results.append(Result("sent"))
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):  # closing a dead socket
            connection.close()
    return results


def _rejected_or_retry(exc: smtplib.SMTPException) -> Result:
    codes: list[int] = []
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [int(code) for code, _ in exc.recipients.values()]
    elif isinstance(exc, smtplib.SMTPDataError):
        codes = [int(exc.smtp_code)]
    permanent = bool(codes) and all(500 <= code < 600 for code in codes)
    return Result("rejected" if permanent else "retry", _reason(exc))


def _reason(exc: BaseException) -> str:
    """A short, address-free reason for the delivery log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({int(code) for code, _ in exc.recipients.values()})
        return f"recipient refused ({', '.join(map(str, codes))})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return type(exc).__name__


#: ASCII only (no SMTPUTF8): a plain local part and a DNS name
_ADDRESS = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def normalize_address(value: str | None) -> str | None:
    """A plain ``local@domain`` address, lower-cased, or None when it is not one (no display
    name, comments, quoting, IP literal or control character: nothing that could add a
    header or a second recipient)."""
    address = (value or "").strip().lower()
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        return None
    return address
