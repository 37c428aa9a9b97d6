"""The weekly digest: at most one mail a week per weekly subscription, listing what came.

Runs on the consumers' timer (threads or `flask worker`): a subscription is due when its last
digest (or its confirmation) is a week old and events are waiting; the mail is queued and the
items deleted in one transaction, so a digest is neither lost nor doubled.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.orm import Session

from core.consumers import Consumer
from core.db import get_db, utcnow, writing
from core.messages import Msg, msg
from credit.notify.letters import MAX_LINES, Letter, Line
from credit.notify.models import DigestItem, Subscription
from credit.notify.outbox import mail_row, queue_mails
from credit.notify.subscriptions import list_headers, target_label, target_of, unsubscribe_url

WEEK = dt.timedelta(days=7)
#: subscriptions one run handles
BATCH = 200


def _due(now: dt.datetime) -> Select[Subscription]:
    return select(Subscription).where(
        Subscription.status == "confirmed",
        Subscription.frequency == "weekly",
        Subscription.digest_at <= now - WEEK,
        exists().where(DigestItem.subscription_id == Subscription.id),
    )


def digest_letter(session: Session, sub: Subscription, items: list[DigestItem]) -> Letter:
    """The digest mail of one subscription's waiting items."""
    target = target_of(session, sub)
    shown = items[:MAX_LINES]
    closing: tuple[Msg, ...] = ()
    if len(items) > MAX_LINES:
        closing = (msg("另有 %(n)s 条未列出，请到平台查看。", n=len(items) - MAX_LINES),)
    return Letter(
        subject=msg("每周汇总") + f"：{target.name}",
        paragraphs=(
            msg(
                "过去一周，您关注的%(target)s有 %(n)s 条新的公开信息：",
                target=target_label(target),
                n=len(items),
            ),
        ),
        lines=tuple(Line(i.line_zh, i.line_en, i.link) for i in shown),
        closing=closing,
        unsubscribe_url=unsubscribe_url(sub),
    )


def queue_digests(session: Session, now: dt.datetime) -> int:
    """Queue the digests due at ``now``; returns how many (flushes, no commit)."""
    stmt = _due(now).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":  # two workers never digest one twice
        stmt = stmt.with_for_update(skip_locked=True, of=Subscription)
    subs = list(session.scalars(stmt))
    for sub in subs:
        items = list(
            session.scalars(
                select(DigestItem)
                .where(DigestItem.subscription_id == sub.id)
                .order_by(DigestItem.created_at, DigestItem.id)
            )
        )
        key = f"sub:{sub.id}:digest:{now.date().isoformat()}"
        row = mail_row(
            "digest",
            sub.email,
            digest_letter(session, sub, items),
            dedupe_key=key,
            subscription_id=sub.id,
            headers=list_headers(sub),
        )
        queue_mails(session, [row])
        session.execute(delete(DigestItem).where(DigestItem.id.in_([i.id for i in items])))
        sub.digest_at = now
    session.flush()
    return len(subs)


def purge_unconfirmed(session: Session, now: dt.datetime) -> int:
    """Forget requests never confirmed within CONFIRM_WITHIN: their addresses go too."""
    from credit.notify.subscriptions import CONFIRM_WITHIN, forget

    stale = list(
        session.scalars(
            select(Subscription)
            .where(Subscription.status == "pending", Subscription.created_at < now - CONFIRM_WITHIN)
            .limit(BATCH)
        )
    )
    for sub in stale:
        forget(session, sub)
    return len(stale)


class WeeklyDigest(Consumer):
    """Queues the weekly digests that are due and forgets unconfirmed requests that expired
    (timer-driven, not by change-log rows)."""

    name = "weekly-digest"

    def pending(self, session: Session) -> int:
        """Weekly subscriptions whose digest is due."""
        due = _due(utcnow()).subquery()
        return int(session.scalar(select(func.count()).select_from(due)) or 0)

    def run_once(self) -> int:
        db = get_db()
        with writing():
            session = db.new_session()
            try:
                now = utcnow()
                count = queue_digests(session, now) + purge_unconfirmed(session, now)
                session.commit()
                return count
            finally:
                session.close()
