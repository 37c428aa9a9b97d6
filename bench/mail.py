"""bench/mail: subscriber notifications after a penalty import, against a bare smtplib loop.

10,000 confirmed instant subscriptions follow one district; 1,000 penalties of enterprises
in that district are imported with the real `flask records import --kind penalties`. Then
the notification consumers run as `flask worker` runs them (their ``run_once`` in a loop:
the subscription fan-out queues, the mail sender hands the outbox to SMTP) until every
notification is accepted by a local SMTP server (aiosmtpd in its own process on
127.0.0.1). The baseline sends the same number of the same messages (subject, text and
HTML, headers, recipient) with a bare smtplib loop over one connection to the same server
in the same run. A second figure is the import's time with the subscriptions present
against the same import into an instance without them.
"""

from __future__ import annotations

import os
import secrets
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.report import Figure

ROOT = Path(__file__).resolve().parents[1]
#: imports timed with and without subscribers (the machine is shared: best of these)
ROUNDS = 7
DISTRICT = "620102"
MAIL_FROM = "企业环境信用 <noreply@credit.example.cn>"
ENTERPRISE_HEAD = (
    "uscc,name,legal_representative,region_code,industry_code,address,latitude,longitude,"
    "permit_category,status\n"
)
#: the fast compat32 policy (what flask-mailman uses), with SMTP's CRLF line ends
SMTP_POLICY = compat32.clone(linesep="\r\n")
PENALTY_HEAD = (
    "decision_no,uscc,violation_type,facts,legal_basis,penalty_kinds,fine_amount,"
    "confiscated_amount,decision_date,authority,authority_uscc,severity,criminal_transfer\n"
)


# -- the SMTP server: aiosmtpd in its own process --------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def _serve() -> None:
    """`python -m bench.mail`: aiosmtpd on a free loopback port; prints the port, and the
    number of messages received on SIGTERM."""
    import threading

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    counter = _Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    controller.stop()
    print(counter.count, flush=True)


def _start_smtp() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.mail"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def _stop_smtp(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    return int(out.split()[-1])


# -- data ------------------------------------------------------------------------------


def _uscc(n: int) -> str:
    from core.reference import uscc_check_char

    first17 = f"91620102MA{n:07d}"
    return first17 + uscc_check_char(first17)


def _enterprises(count: int) -> str:
    return ENTERPRISE_HEAD + "".join(
        f"{_uscc(i)},兰州测试{i}号化工有限公司,张{i},{DISTRICT},C2611,兰州市城关区,"
        f"36.1,103.7,重点管理,在营\n"
        for i in range(count)
    )


def _penalties(count: int, enterprises: int, round_no: int) -> str:
    return PENALTY_HEAD + "".join(
        f"兰环罚〔2026〕{round_no:02d}{i:05d}号,{_uscc(i % enterprises)},超标排放,"
        f"经查第{i}次超标排放,大气法第九十九条,罚款,{100000 + i},0,2026-01-10,"
        "兰州市生态环境局,,一般,否\n"
        for i in range(count)
    )


def _app(tmp: str, name: str, smtp_url: str) -> Any:
    from core import migrate
    from wsgi import create_app

    folder = Path(tmp, name)
    folder.mkdir()
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    return create_app(
        {
            "ENVCREDIT_INSTANCE": str(folder),
            "DATABASE_URL": url,
            "BACKGROUND_CONSUMERS": False,
            "SMTP_URL": smtp_url,
            "MAIL_FROM": MAIL_FROM,
            "PUBLIC_BASE_URL": "https://credit.example.cn",
        }
    )


def _import(app: Any, tmp: str, kind: str, content: str) -> float:
    path = Path(tmp, f"{kind}-{secrets.token_hex(4)}.csv")
    path.write_text(content, encoding="utf-8")
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["records", "import", "--kind", kind, str(path)])
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"import {kind} failed: {result.output[-2000:]}")
    return elapsed


def _subscribe(app: Any, count: int) -> None:
    """``count`` confirmed instant subscriptions of the district (one bulk insert)."""
    from core.db import get_db, utcnow, writing
    from credit.notify.models import Subscription

    with app.app_context(), writing():
        session = get_db().new_session()
        now = utcnow()
        session.execute(
            insert(Subscription),
            [
                {
                    "email": f"follower{i}@example.cn",
                    "target_type": "region",
                    "target_code": DISTRICT,
                    "events": "penalty rating disclosure",
                    "frequency": "instant",
                    "status": "confirmed",
                    "nonce": secrets.token_hex(16),
                    "created_at": now,
                    "confirmed_at": now,
                    "digest_at": now,
                }
                for i in range(count)
            ],
        )
        session.commit()
        session.close()


def _drain_notifications(app: Any) -> tuple[float, int, float]:
    """The fan-out and the sender, run as `flask worker` runs them, until nothing is left;
    the wall time, the rounds, and the part of the time spent in the fan-out."""
    from credit.notify.fanout import SubscriptionFanout
    from credit.notify.outbox import MailSender

    with app.app_context():
        fanout, sender = SubscriptionFanout(), MailSender()
        started = time.perf_counter()
        rounds, fanning = 0, 0.0
        while True:
            rounds += 1
            begin = time.perf_counter()
            work = fanout.run_once()
            fanning += time.perf_counter() - begin
            work += sender.run_once()
            if not work:
                break
        return time.perf_counter() - started, rounds, fanning


def _outbox(app: Any) -> tuple[list[dict[str, Any]], dict[str, int]]:
    from core.db import get_db
    from credit.notify.models import MailOutbox

    with app.app_context():
        session = get_db().new_session()
        statuses = dict(
            session.execute(
                select(MailOutbox.status, func.count()).group_by(MailOutbox.status)
            ).all()
        )
        rows = [
            {
                "to": m.to_address,
                "subject": m.subject,
                "text": m.text_body,
                "html": m.html_body,
                "headers": dict(m.headers or {}),
                "id": m.id,
            }
            for m in session.scalars(select(MailOutbox).where(MailOutbox.kind == "notification"))
        ]
        session.close()
    return rows, {str(k): int(v) for k, v in statuses.items()}


def _mime(mail: dict[str, Any]) -> bytes:
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(mail["subject"], "utf-8")
    message["From"] = formataddr(("企业环境信用", "noreply@credit.example.cn"), "utf-8")
    message["To"] = mail["to"]
    message["Message-ID"] = f"<bench-{mail['id']}@credit.example.cn>"
    for key, value in mail["headers"].items():
        message[key] = value
    message.attach(MIMEText(mail["text"], "plain", "utf-8"))
    message.attach(MIMEText(mail["html"], "html", "utf-8"))
    return message.as_bytes(policy=SMTP_POLICY)


def _bare(port: int, mails: list[dict[str, Any]], prebuilt: bool = False) -> float:
    """The floor: the same messages, built with the standard library's email.mime (the
    fast compat32 path) and sent by smtplib over one connection; ``prebuilt``: the bytes
    made before the clock starts, so only SMTP is timed."""
    ready = [_mime(m) for m in mails] if prebuilt else []
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for index, mail in enumerate(mails):
            data = ready[index] if prebuilt else _mime(mail)
            smtp.sendmail("noreply@credit.example.cn", [mail["to"]], data)
    return time.perf_counter() - started


def run(scale: float) -> tuple[list[Figure], list[str]]:
    subscribers = max(50, int(10_000 * scale))
    penalties = max(20, int(1_000 * scale))
    enterprises = max(10, int(100 * min(scale, 1.0)))
    os.environ.setdefault("BACKGROUND_CONSUMERS", "false")
    process, port = _start_smtp()
    smtp_url = f"smtp://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory(prefix="envcredit-mail-") as tmp:
            plain = _app(tmp, "plain", smtp_url)
            followed = _app(tmp, "followed", smtp_url)
            for app in (plain, followed):
                _import(app, tmp, "enterprises", _enterprises(enterprises))
            _subscribe(followed, subscribers)
            # (b) the import with and without subscribers: ROUNDS rounds, the order
            # alternating, best of each; (a) after the first import with subscribers
            timings: dict[str, list[float]] = {"plain": [], "followed": []}
            seconds = rounds = fanning = 0.0
            for round_no in range(1, ROUNDS + 1):
                content = _penalties(penalties, enterprises, round_no)
                order = ("plain", "followed") if round_no % 2 else ("followed", "plain")
                for name in order:
                    app = plain if name == "plain" else followed
                    timings[name].append(_import(app, tmp, "penalties", content))
                if round_no == 1:  # every notification of the first import, to SMTP
                    seconds, rounds, fanning = _drain_notifications(followed)
            without, with_subs = timings["plain"], timings["followed"]
            mails, statuses = _outbox(followed)
            sent = statuses.get("sent", 0)
            mails = mails[:sent]
            bare = _bare(port, mails)
            send_only = _bare(port, mails, prebuilt=True)
            for app in (plain, followed):
                app.extensions["envcredit.db"].dispose()
    finally:
        received = _stop_smtp(process)
    rate, bare_rate = sent / seconds, sent / bare
    import_ratio = min(with_subs) / min(without)
    figures = [
        Figure(
            "mail",
            f"notifications of {subscribers} district subscribers after {penalties} penalties, "
            "queued and handed to SMTP",
            rate,
            "mails/s",
            "bare smtplib loop",
            bare_rate,
            rate / bare_rate,
            "≥ 0.5×",
            rate / bare_rate >= 0.5,
            {
                "mails": sent,
                "seconds": seconds,
                "fanout_seconds": fanning,
                "bare_seconds": bare,
                "send_only_seconds": send_only,
                "rounds": rounds,
            },
        ),
        Figure(
            "mail",
            f"import of {penalties} penalties with {subscribers} subscribers of their district",
            min(with_subs),
            "s",
            "same import, no subscribers",
            min(without),
            import_ratio,
            "≤ 1.10×",
            import_ratio <= 1.10,
            {"with": with_subs, "without": without},
        ),
    ]
    notes = [
        f"SQLite: {sent} notification mails ({statuses}) queued and accepted by aiosmtpd "
        f"(its own process) in {seconds:.2f} s ({rounds:.0f} worker rounds, the fan-out's "
        f"{fanning:.2f} s of it); bare smtplib "
        f"loop of the same {sent} messages {bare:.2f} s, {send_only:.2f} s with the messages "
        f"built before its clock; the server received {received} messages in all; "
        f"penalty import {', '.join(f'{s:.3f}' for s in with_subs)} s with subscribers, "
        f"{', '.join(f'{s:.3f}' for s in without)} s without"
    ]
    return figures, notes


if __name__ == "__main__":
    _serve()
