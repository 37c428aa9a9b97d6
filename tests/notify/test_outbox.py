"""The outbox: mails reach a real local SMTP server once, failures are retried with backoff."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from core.consumers import drain
from core.messages import msg
from credit.notify.letters import Letter, Line, render, render_for_many
from credit.notify.models import MailOutbox
from credit.notify.outbox import MailSender, backoff, mail_row, queue_mails


def _queue(app, db, *addresses: str, key: str | None = None) -> None:
    with app.app_context():
        s = db.new_session()
        letter = Letter(msg("请确认您的订阅"), (msg("行政处罚公示"),))
        queue_mails(s, [mail_row("notification", a, letter, dedupe_key=key) for a in addresses])
        s.commit()
        s.close()


def _rows(session) -> list[MailOutbox]:
    session.rollback()  # a fresh snapshot: the sender committed in sessions of its own
    return list(session.scalars(select(MailOutbox).order_by(MailOutbox.id)))


def test_queued_mail_is_sent_once_with_text_and_html(app, db, session, smtp):
    _queue(app, db, "a@example.cn")
    with app.app_context():
        drain(app)
        drain(app)
    [message] = smtp.inbox.to("a@example.cn")
    # Python folds a long encoded Subject onto a continuation line; readers unfold and trim it
    assert message["Subject"].strip() == "请确认您的订阅 | Please confirm your subscription"
    assert message["Message-ID"].startswith("<envcredit-mail-")
    assert message.get_body(("plain",)).get_content().index("请确认您的订阅") < (
        message.get_body(("plain",)).get_content().index("Please confirm")
    )
    assert "<html" in message.get_body(("html",)).get_content()
    [row] = _rows(session)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None


def test_same_dedupe_key_queues_one_mail(app, db, session, smtp):
    _queue(app, db, "a@example.cn", key="sub:1:penalty:1")
    _queue(app, db, "a@example.cn", key="sub:1:penalty:1")
    assert len(_rows(session)) == 1


def test_server_down_is_retried_with_backoff_and_no_duplicates(app, db, session, smtp):
    smtp.stop()
    _queue(app, db, "a@example.cn", "b@example.cn")
    with app.app_context():
        assert MailSender().run_once() == 2
        assert MailSender().run_once() == 0  # not due yet: backoff
    rows = _rows(session)
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {
        ("pending", 1, "connection refused")
    }
    assert all(r.next_attempt_at > r.last_attempt_at for r in rows)
    smtp.start()
    later = rows[0].next_attempt_at + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=True), app.app_context():
        drain(app)
        drain(app)
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["a@example.cn", "b@example.cn"]
    assert {(r.status, r.attempts) for r in _rows(session)} == {("sent", 2)}


def test_without_smtp_url_mail_stays_queued(app_config, smtp):
    from wsgi import create_app

    app = create_app({**app_config, "SMTP_URL": None})
    db = app.extensions["envcredit.db"]
    _queue(app, db, "a@example.cn")
    with app.app_context():
        assert MailSender().run_once() == 0
    session = db.new_session()
    assert [(r.status, r.attempts) for r in _rows(session)] == [("pending", 0)]
    session.close()
    db.dispose()
    assert smtp.inbox.messages == []


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff(30) == dt.timedelta(hours=6)


def test_only_plain_ascii_addresses_are_accepted():
    from core.mail import normalize_address

    assert normalize_address(" A.B+tag@Mail.Example.CN ") == "a.b+tag@mail.example.cn"
    for bad in ("a b@x.cn", "张@x.cn", "a@x.cn\r\nBcc: y@x.cn", "a@localhost", '"a"@x.cn', ""):
        assert normalize_address(bad) is None, bad


def test_smtp_url_must_be_smtp_host_port():
    import pytest

    from core.mail import parse_smtp_url

    assert parse_smtp_url("smtp://127.0.0.1:2525") == ("127.0.0.1", 2525)
    assert parse_smtp_url("smtp://mail.example.cn") == ("mail.example.cn", 25)
    for bad in ("http://x:25", "smtp://user:pw@x:25", "smtp://", "smtp://x:25/path"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


def test_a_letter_rendered_once_for_many_equals_its_own_rendering():
    letter = Letter(
        msg("新的行政处罚"),
        (msg("行政处罚公示"),),
        lines=(Line("甲 <b>", "A <b>", "https://x.example.cn/p/1?a=1&b=2"),),
        unsubscribe_url="placeholder",
    )
    many = render_for_many(letter)
    for url in ("https://x.example.cn/subscriptions/1/unsubscribe?token=ab", "https://y/u?a=1&b=2"):
        own = render(Letter(**{**letter.__dict__, "unsubscribe_url": url}))
        assert many(url) == own
        assert url in own.text
        assert url.replace("&", "&amp;") in own.html
