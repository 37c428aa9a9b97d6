"""The regulators' daily digest: each morning, what their region's tip-off queue asks of them.

Once per China day (from :data:`DIGEST_HOUR` on), on the consumers' timer as
:class:`~credit.notify.digest.WeeklyDigest`, every active regulator who has not opted out
gets one mail listing the open reports in their scope that are overdue (with how late), due
within :data:`SOON_WORKDAYS` working days, new (not yet accepted) or waiting for an answer to
a reopen request. Nothing is sent when the list is empty. The watermark holds the day, and
each mail is keyed by user and day, so a day is mailed once however often the timer fires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, or_, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import claim_watermark, get_watermark, set_watermark
from core.clock import CHINA, local_date
from core.consumers import Consumer
from core.db import get_db, utcnow, writing
from core.messages import Msg, msg
from core.users import User, regulators
from core.web import external_url
from core.workdays import add_workdays
from credit.notify.letters import Letter, Line
from credit.notify.models import DigestOptOut, MailOutbox
from credit.notify.outbox import mail_row, queue_mails
from credit.records.models import Enterprise
from credit.tipoffs.models import TipOff
from credit.tipoffs.vocabulary import CATEGORY_NAMES, FINAL, named
from credit.tipoffs.workflow import scope_condition

NAME = "regulator-digest"
#: the digest goes out on the first timer run at or after this hour, China time
DIGEST_HOUR = 7
#: "due soon": the deadline is within this many working days
SOON_WORKDAYS = 3
#: lines one digest lists (the rest are counted)
MAX_LINES = 100
SECTIONS = ("overdue", "soon", "new", "reopen")


@dataclass(frozen=True)
class TodoItem:
    """One report on a regulator's list: which section, its deadline and how late."""

    section: str
    tipoff_id: int
    tracking_code: str
    category: str
    enterprise: str | None
    deadline: dt.date
    days_late: int


def _deadline() -> Any:
    return case((TipOff.status == "received", TipOff.accept_due_at), else_=TipOff.due_at)


def todo(session: Session, user: User, today: dt.date) -> list[TodoItem]:
    """The open reports in ``user``'s scope that need them: overdue first (most late first),
    then due soon, new, and reopen requests; each report once."""
    soon = add_workdays(today, SOON_WORKDAYS)
    deadline = _deadline()
    open_ = TipOff.status.not_in(FINAL)
    rows = session.execute(
        select(TipOff, Enterprise.name)
        .outerjoin(Enterprise, Enterprise.id == TipOff.enterprise_id)
        .where(
            scope_condition(user),
            or_(
                open_ & (deadline <= soon),
                TipOff.status == "received",
                TipOff.reopen_requested_at.is_not(None),
            ),
        )
        .order_by(deadline, TipOff.id)
    ).all()
    items = []
    for tipoff, name in rows:
        due = tipoff.accept_due_at if tipoff.status == "received" else tipoff.due_at
        if tipoff.reopen_requested_at is not None:
            section = "reopen"
        elif due < today:
            section = "overdue"
        elif due <= soon:
            section = "soon"
        else:
            section = "new"
        items.append(
            TodoItem(
                section,
                tipoff.id,
                tipoff.tracking_code,
                tipoff.category,
                name or tipoff.enterprise_name,
                due,
                max(0, (today - due).days),
            )
        )
    order = {s: i for i, s in enumerate(SECTIONS)}
    return sorted(items, key=lambda i: (order[i.section], -i.days_late, i.deadline, i.tipoff_id))


def _line(item: TodoItem) -> Line:
    heads: dict[str, Msg] = {
        "overdue": msg("已逾期 %(n)s 天", n=item.days_late),
        "soon": msg("即将到期"),
        "new": msg("新举报，待受理"),
        "reopen": msg("举报人申请重新处理"),
    }
    head = heads[item.section]
    category = named(CATEGORY_NAMES[item.category]) or Msg("", "")
    what = f" · {item.enterprise}" if item.enterprise else ""
    due = item.deadline.isoformat()
    link = external_url("regtipoffs.detail", tipoff_id=item.tipoff_id)
    return Line(
        f"【{head.zh}】{item.tracking_code} {category.zh}{what} · 期限 {due}",
        f"[{head.en}] {item.tracking_code} {category.en}{what} · due {due}",
        link,
    )


def digest_letter(items: list[TodoItem], today: dt.date) -> Letter:
    """The digest mail of one regulator's list."""
    counts = {s: sum(1 for i in items if i.section == s) for s in SECTIONS}
    closing: tuple[Msg, ...] = ()
    if len(items) > MAX_LINES:
        closing = (msg("另有 %(n)s 条未列出，请到平台查看。", n=len(items) - MAX_LINES),)
    account = external_url("account.overview")
    return Letter(
        subject=msg("每日待办") + f" {today.isoformat()}",
        paragraphs=(
            msg(
                "您辖区内的举报今日待办：逾期 %(overdue)s 件，即将到期 %(soon)s 件，"
                "新举报 %(new)s 件，申请重新处理 %(reopen)s 件。",
                **counts,
            ),
        ),
        lines=tuple(_line(i) for i in items[:MAX_LINES]),
        action=(msg("打开举报处理队列"), external_url("regtipoffs.queue")),
        closing=(
            *closing,
            msg("不想再收到每日待办邮件，可在账户页面关闭：%(url)s", url=account),
        ),
    )


def digest_enabled(session: Session, user: User) -> bool:
    """Whether the user gets the daily digest (everyone does until they opt out)."""
    return session.get(DigestOptOut, user.id) is None


def set_daily_digest(session: Session, user: User, enabled: bool) -> None:
    """Opt in to (or out of) the daily digest; audited. Flushes, no commit."""
    if enabled == digest_enabled(session, user):
        return
    if enabled:
        session.execute(delete(DigestOptOut).where(DigestOptOut.user_id == user.id))
    else:
        session.add(DigestOptOut(user_id=user.id))
    actor = f"user:{user.id}"
    audit(session, actor, "notify.daily_digest", actor, {"enabled": enabled})
    session.flush()


def _day(now: dt.datetime) -> int | None:
    """The China day (an ordinal) whose digest is due at ``now``; None before DIGEST_HOUR."""
    local = now.astimezone(CHINA)
    return local.date().toordinal() if local.hour >= DIGEST_HOUR else None


def queue_regulator_digests(session: Session, now: dt.datetime) -> int:
    """Queue today's digest of every active regulator who wants it and has something to do;
    returns how many (flushes, no commit)."""
    today = local_date(now)
    users = session.scalars(
        select(User)
        .where(User.active, regulators(), User.id.not_in(select(DigestOptOut.user_id)))
        .order_by(User.id)
    ).all()
    keys = {u.id: f"regdigest:{u.id}:{today.isoformat()}" for u in users}
    done = set(
        session.scalars(
            select(MailOutbox.dedupe_key).where(MailOutbox.dedupe_key.in_(keys.values()))
        )
    )
    rows = []
    for user in users:
        if keys[user.id] in done:
            continue
        items = todo(session, user, today)
        if items:
            letter = digest_letter(items, today)
            rows.append(mail_row("digest", user.email, letter, dedupe_key=keys[user.id]))
    queue_mails(session, rows)
    session.flush()
    return len(rows)


class RegulatorDigest(Consumer):
    """Queues the regulators' daily digests once a China day (timer-driven, its watermark
    holds the day)."""

    name = NAME

    def pending(self, session: Session) -> int:
        """1 while today's digests are due and not yet queued."""
        day = _day(utcnow())
        return int(day is not None and get_watermark(session, NAME) < day)

    def run_once(self) -> int:
        now = utcnow()
        day = _day(now)
        if day is None:
            return 0
        with writing():
            session = get_db().new_session()
            try:
                last = claim_watermark(session, NAME)
                if last is None or last >= day:
                    session.rollback()
                    return 0
                count = queue_regulator_digests(session, now)
                set_watermark(session, NAME, day)
                session.commit()
                return count
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
