"""A real SMTP server (aiosmtpd) on 127.0.0.1 and an app whose SMTP_URL points at it."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """What the local SMTP server received: envelopes and parsed messages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = email.message_from_bytes(
            envelope.content,  # type: ignore[attr-defined]
            policy=email.policy.default,
        )
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[attr-defined]
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [m for _, m in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.received if address in rcpt]


class SmtpServer:
    """aiosmtpd on a fixed loopback port that a test can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def mail_config(app_config: dict[str, object], smtp: SmtpServer) -> dict[str, object]:
    """An app configuration whose mail goes to the local server (tests elsewhere reuse it)."""
    return {
        **app_config,
        "SMTP_URL": smtp.url,
        "MAIL_FROM": "企业环境信用 <noreply@credit.example.cn>",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }


@pytest.fixture
def app_config(app_config: dict[str, object], smtp: SmtpServer) -> dict[str, object]:
    return mail_config(app_config, smtp)


def wait_for(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
