"""Follow an enterprise, a region or an industry by e-mail: subscribe (double opt-in),
confirm, unsubscribe in one step (RFC 8058). No account; the address never leaves the
platform: no change-log row, export, feed or log line carries it.

The confirmation token is mailed and only its keyed hash is stored. The unsubscribe token is
a keyed digest of the subscription's id and a random nonce, so every mail can carry it and
the database holds nothing that would unsubscribe anyone.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import Invalid, NotFound
from core.keyed_hash import hash_token, keyed_digest
from core.mail import normalize_address
from core.messages import Msg, msg
from core.reference import resolve_industry, resolve_region
from core.web import external_url
from credit.notify.letters import Letter
from credit.notify.models import EVENTS, FREQUENCIES, MailOutbox, Subscription
from credit.notify.outbox import mail_row, queue_mails

CONFIRM = "subscription-confirm"
UNSUBSCRIBE = "subscription-unsubscribe"
#: a confirmation link works this long
CONFIRM_WITHIN = dt.timedelta(days=7)
#: confirmation mails one address gets per day at most (the rest are silently not sent)
CONFIRMATIONS_PER_DAY = 3


@dataclass(frozen=True)
class SubscriptionInput:
    """What a subscriber asks for: an address, one target, events and a frequency."""

    email: str
    enterprise_uscc: str | None = None
    region_code: str | None = None
    industry_code: str | None = None
    events: tuple[str, ...] | None = None
    frequency: str | None = None


@dataclass(frozen=True)
class Target:
    """A subscription's target: its type, code and name."""

    type: str
    code: str
    name: str


def _invalid(field: str, message: Msg) -> Invalid:
    return Invalid(message, {field: [message]})


def feed_endpoint(target: Target) -> tuple[str, dict[str, str]]:
    """The Atom feed of a target's penalty notices (endpoint and values, for url_for)."""
    if target.type == "enterprise":
        return "feeds.enterprise_atom", {"uscc": target.code}
    if target.type == "region":
        return "feeds.region_atom", {"code": target.code}
    return "feeds.industry_atom", {"code": target.code}


def resolve_target(session: Session, data: SubscriptionInput) -> Target:
    """Exactly one of enterprise_uscc, region_code or industry_code, known to the platform."""
    given = [
        (kind, value.strip())
        for kind, value in (
            ("enterprise", data.enterprise_uscc),
            ("region", data.region_code),
            ("industry", data.industry_code),
        )
        if value and value.strip()
    ]
    if len(given) != 1:
        raise _invalid("target", msg("请选择一个关注对象：企业、地区或行业（只选一个）"))
    kind, value = given[0]
    if kind == "enterprise":
        from credit.records.listing import get_enterprise

        ent = get_enterprise(session, value)
        return Target("enterprise", ent.uscc, ent.name)
    if kind == "region":
        region = resolve_region(session, value)
        return Target("region", region.code, region.name)
    industry = resolve_industry(session, value)
    return Target("industry", industry.code, industry.name)


def target_of(session: Session, sub: Subscription) -> Target:
    """The named target of a stored subscription."""
    code = sub.target_code
    if sub.target_type == "enterprise":
        return resolve_target(session, SubscriptionInput(sub.email, enterprise_uscc=code))
    if sub.target_type == "region":
        return resolve_target(session, SubscriptionInput(sub.email, region_code=code))
    return resolve_target(session, SubscriptionInput(sub.email, industry_code=code))


def _events(values: tuple[str, ...] | None) -> str:
    chosen = [v.strip() for v in values or EVENTS if v and v.strip()]
    unknown = [v for v in chosen if v not in EVENTS]
    if unknown or not chosen:
        raise _invalid("events", msg("未知的提醒类型：%(value)s", value=",".join(unknown)[:40]))
    return " ".join(e for e in EVENTS if e in chosen)


def subscribe(session: Session, data: SubscriptionInput) -> Subscription:
    """A pending subscription and its confirmation mail, queued in this transaction.

    The same answer whatever the address already follows (nobody learns another's
    subscriptions); an earlier unconfirmed request for the same target is replaced. Without
    SMTP_URL the confirmation mail waits in the outbox like every mail.
    """
    email = normalize_address(data.email)
    if email is None:
        raise _invalid("email", msg("邮箱格式不正确"))
    target = resolve_target(session, data)
    events = _events(data.events)
    frequency = (data.frequency or "instant").strip()
    if frequency not in FREQUENCIES:
        raise _invalid("frequency", msg("提醒频率应为即时（instant）或每周（weekly）"))
    session.execute(
        delete(Subscription).where(
            Subscription.email == email,
            Subscription.target_type == target.type,
            Subscription.target_code == target.code,
            Subscription.status == "pending",
        )
    )
    token = secrets.token_urlsafe(24)
    sub = Subscription(
        email=email,
        target_type=target.type,
        target_code=target.code,
        events=events,
        frequency=frequency,
        status="pending",
        token_hash=hash_token(token, CONFIRM),
        nonce=secrets.token_hex(16),
    )
    try:
        with session.begin_nested():  # a concurrent request for the same target won the race
            session.add(sub)
    except IntegrityError:
        return sub  # its confirmation mail is on its way; the same 202
    if _confirmations_today(session, email) < CONFIRMATIONS_PER_DAY:
        letter = confirmation_letter(target, events, frequency, token)
        queue_mails(session, [mail_row("confirmation", email, letter, subscription_id=sub.id)])
    return sub


def _confirmations_today(session: Session, email: str) -> int:
    since = utcnow() - dt.timedelta(days=1)
    return int(
        session.scalar(
            select(func.count()).where(
                MailOutbox.kind == "confirmation",
                MailOutbox.to_address == email,
                MailOutbox.created_at >= since,
            )
        )
        or 0
    )


def target_label(target: Target) -> Msg:
    """``企业 某某公司（USCC）``, ``地区 兰州市（620100）``, ``行业 …（C26）``."""
    kinds = {"enterprise": msg("企业"), "region": msg("地区"), "industry": msg("行业")}
    return kinds[target.type] + Msg(
        f" {target.name}（{target.code}）", f" {target.name} ({target.code})"
    )


def event_labels(events: str) -> Msg:
    """The chosen events, in both languages."""
    names = {
        "penalty": msg("新的行政处罚"),
        "rating": msg("信用等级变化"),
        "disclosure": msg("未按期披露环境信息"),
    }
    chosen = [names[e] for e in events.split()]
    out = chosen[0]
    for name in chosen[1:]:
        out = out + Msg("、", ", ") + name
    return out


def confirmation_letter(target: Target, events: str, frequency: str, token: str) -> Letter:
    """The double opt-in mail: what was asked for and the link that confirms it."""
    how = msg("即时提醒") if frequency == "instant" else msg("每周汇总")
    return Letter(
        subject=msg("请确认您的订阅"),
        paragraphs=(
            msg("有人（希望是您）用这个邮箱订阅了：%(target)s。", target=target_label(target)),
            msg("提醒内容：%(events)s；频率：%(how)s。", events=event_labels(events), how=how),
            msg("如果不是您本人操作，请忽略本邮件：不确认就不会收到任何提醒。"),
        ),
        action=(
            msg("确认订阅"),
            external_url("subscription_pages.confirm_page", token=token),
        ),
        closing=(msg("确认链接 7 天内有效。"),),
    )


def confirm(session: Session, token: str) -> Target:
    """Confirm the subscription the token was mailed for (it replaces an earlier confirmed
    one for the same address and target); NotFound when the link is unknown or expired."""
    sub = None
    if token and len(token) <= 100:
        sub = session.scalar(
            select(Subscription).where(Subscription.token_hash == hash_token(token, CONFIRM))
        )
    if sub is None or sub.created_at < utcnow() - CONFIRM_WITHIN:
        raise NotFound(msg("确认链接无效或已过期，请重新订阅"))
    earlier = session.scalars(
        select(Subscription).where(
            Subscription.email == sub.email,
            Subscription.target_type == sub.target_type,
            Subscription.target_code == sub.target_code,
            Subscription.status == "confirmed",
        )
    ).all()
    for old in earlier:
        forget(session, old)
    now = utcnow()
    sub.status = "confirmed"
    sub.token_hash = None
    sub.confirmed_at = now
    sub.digest_at = now
    session.flush()
    return target_of(session, sub)


def unsubscribe_token(sub: Subscription) -> str:
    """The token of the subscription's unsubscribe link (recomputed, never stored)."""
    return keyed_digest(f"{sub.id}:{sub.nonce}", UNSUBSCRIBE)[:40]


def unsubscribe_url(sub: Subscription) -> str:
    """The one-click unsubscribe link (List-Unsubscribe, RFC 8058) of a subscription."""
    return external_url(
        "subscription_pages.unsubscribe_page", subscription_id=sub.id, token=unsubscribe_token(sub)
    )


def list_headers(sub: Subscription, url: str | None = None) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers every mail of a subscription carries (``url``: its
    :func:`unsubscribe_url`, when the caller has it already)."""
    return {
        "List-Unsubscribe": f"<{url or unsubscribe_url(sub)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def check_unsubscribe(session: Session, subscription_id: int, token: str) -> Subscription | None:
    """The subscription the link is for (None: already gone); NotFound for a wrong token."""
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        return None
    if not hmac.compare_digest(unsubscribe_token(sub), (token or "")[:40]):
        raise NotFound(msg("退订链接无效"))
    return sub


def unsubscribe(session: Session, subscription_id: int, token: str) -> None:
    """End a subscription with one request: it and its waiting mails go, and the address is
    blanked in its delivery log. Unsubscribing twice is fine."""
    sub = check_unsubscribe(session, subscription_id, token)
    if sub is not None:
        forget(session, sub)


def forget(session: Session, sub: Subscription) -> None:
    session.execute(
        update(MailOutbox)
        .where(MailOutbox.subscription_id == sub.id, MailOutbox.status == "pending")
        .values(status="cancelled", next_attempt_at=None)
    )
    session.execute(
        update(MailOutbox).where(MailOutbox.subscription_id == sub.id).values(to_address="")
    )
    session.delete(sub)
    session.flush()
