"""Mail to reporters who asked for it: their report was accepted, transferred, extended,
closed (or not accepted, or merged) or rewarded.

:class:`ReporterMail` follows the tip-off timeline (``tipoff_events``; the change log is
public and tip-offs are not), at-least-once: each mail is keyed by the step and the report
it tells of, so a step applied twice mails once. A named reporter who opted in is mailed at
the e-mail they gave; an anonymous one at the address kept for that purpose alone
(:class:`~credit.notify.models.TipOffNotifyAddress`), which is deleted once the closing mail
is queued, and blanked in the delivery log once sent (``outbox.record_attempt``).
Reporters whose report was merged into another hear of its case-level steps under their
own tracking code.

A mail says the tracking code, the status and the step's public text, and links to
``/tipoffs/track``: never the secret, nobody's identity, no officer's name.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import claim_watermark, get_watermark, set_watermark
from core.consumers import Consumer
from core.db import get_db, writing
from core.messages import Msg, msg
from core.web import external_url
from credit.notify.letters import Letter
from credit.notify.models import MailOutbox, TipOffNotifyAddress
from credit.notify.outbox import FORGET_ADDRESS, mail_row, queue_mails
from credit.tipoffs.codes import find_tracked
from credit.tipoffs.models import TipOff, TipOffEvent
from credit.tipoffs.timeline import as_message
from credit.tipoffs.vocabulary import CASE_EVENTS, STATUS_NAMES, named

#: the timeline steps a reporter is told of (rewards: every ``reward…`` step)
TOLD = frozenset({"accepted", "transferred", "extended", "closed", "rejected", "duplicate"})
#: the steps that end a case: an anonymous reporter's address goes after their mail
CLOSING = frozenset({"closed", "rejected"})
#: dedupe-key prefixes: anonymous reporters' mails have their address blanked once sent
NAMED_KEY = "tipoff-mail:"
ANON_KEY = FORGET_ADDRESS
#: a missing event id (a transaction still open, or rolled back) is waited for this long
GAP_WAIT = 60.0


def shared(kind: str) -> bool:
    """Whether reporters of merged reports hear of the step too (a case-level step; a
    reward, a merge, a reopen request stay with their own report)."""
    return kind in CASE_EVENTS or kind == "transferred"


def is_told(kind: str) -> bool:
    """Whether a timeline step is mailed to the reporter."""
    return kind in TOLD or kind.startswith("reward")


@dataclass(frozen=True)
class Recipient:
    """Whom to tell of a step: the report they filed and where to mail them."""

    tipoff: TipOff
    email: str
    anonymous: bool
    #: a merged report hears of the steps after its merge (the id of its ``duplicate`` step)
    since: int = 0


def recipients(session: Session, tipoff: TipOff) -> list[Recipient]:
    """The reporters who asked for news of ``tipoff``: its own, and those of the reports
    merged into it (each is told under their own tracking code)."""
    reports = [tipoff]
    if tipoff.duplicate_of_id is None:
        reports += session.scalars(
            select(TipOff).where(TipOff.duplicate_of_id == tipoff.id).order_by(TipOff.id)
        ).all()
    ids = [t.id for t in reports]
    kept: dict[int, str] = {
        tipoff_id: email
        for tipoff_id, email in session.execute(
            select(TipOffNotifyAddress.tipoff_id, TipOffNotifyAddress.email).where(
                TipOffNotifyAddress.tipoff_id.in_(ids)
            )
        )
    }
    merged: dict[int, int] = {
        tipoff_id: int(step or 0)
        for tipoff_id, step in session.execute(
            select(TipOffEvent.tipoff_id, func.max(TipOffEvent.id))
            .where(TipOffEvent.tipoff_id.in_(ids[1:]), TipOffEvent.kind == "duplicate")
            .group_by(TipOffEvent.tipoff_id)
        )
    }
    out = []
    for report in reports:
        since = merged.get(report.id, 0)
        if report.notify_email and not report.anonymous and report.reporter_email:
            out.append(Recipient(report, report.reporter_email, False, since))
        elif report.id in kept:
            out.append(Recipient(report, kept[report.id], True, since))
    return out


def _note(event: TipOffEvent) -> Msg | None:
    text = as_message(event.public_note)
    if text is None or isinstance(text, Msg):
        return text
    return Msg(text, text)


def _step(event: TipOffEvent, tipoff: TipOff) -> tuple[Msg, Msg]:
    """The step's subject word and its sentence."""
    note = _note(event)
    due = tipoff.due_at.isoformat()
    if event.kind == "accepted":
        return msg("已受理"), msg("您的举报已受理，办理期限至 %(date)s。", date=due)
    if event.kind == "transferred":
        return msg("已移送"), note or msg("您的举报已移送其他部门办理。")
    if event.kind == "extended":
        # the step's own note says by how much, to when and why
        return msg("办理期限延长"), note or msg("办理期限已延长至 %(date)s。", date=due)
    if event.kind == "closed":
        return msg("已办结"), msg("您的举报已办结。处理结果：%(text)s", text=note or "")
    if event.kind == "rejected":
        return msg("不予受理"), msg("您的举报不予受理。理由：%(text)s", text=note or "")
    if event.kind == "duplicate":
        return msg("合并办理"), msg(
            "您的举报与反映同一问题的另一件举报合并办理；今后的进展仍会发邮件告诉您，"
            "用您的查询码即可查看。"
        )
    return msg("有奖举报"), note or msg("您的举报的奖励情况有更新。")


def reporter_letter(event: TipOffEvent, tipoff: TipOff, own: TipOff) -> Letter:
    """The mail about ``event`` of ``tipoff`` to the reporter of ``own`` (the same report,
    or one merged into it, which follows it): their tracking code, the status and the step."""
    subject, sentence = _step(event, tipoff)
    paragraphs = [msg("您的举报（查询码 %(code)s）有新进展：", code=own.tracking_code), sentence]
    if event.kind != "duplicate":  # a merged report's status is the other one's
        status = named(STATUS_NAMES[tipoff.status])
        paragraphs.append(msg("当前状态：%(status)s", status=status or ""))
    return Letter(
        subject=msg("举报进展")
        + Msg(f" {own.tracking_code}：", f" {own.tracking_code}: ")
        + subject,
        paragraphs=tuple(paragraphs),
        action=(msg("查看办理进度"), external_url("tipoffs.track_page", code=own.tracking_code)),
        closing=(
            msg("查看详情须输入查询码和提交举报时获得的查询密码；本邮件不含查询密码。"),
            msg("您在提交举报时选择了接收邮件通知。请勿回复本邮件。"),
        ),
    )


def mails_for(session: Session, events: Sequence[TipOffEvent]) -> list[dict[str, Any]]:
    """The outbox rows for the told steps among ``events``; anonymous reporters' addresses of
    closed cases are deleted (their closing mail is among the rows)."""
    rows: list[dict[str, Any]] = []
    for event in events:
        if not is_told(event.kind):
            continue
        tipoff = session.get(TipOff, event.tipoff_id)
        if tipoff is None:
            continue
        told = recipients(session, tipoff)
        for who in told:
            if who.tipoff.id != tipoff.id and (not shared(event.kind) or event.id < who.since):
                continue
            key = f"{ANON_KEY if who.anonymous else NAMED_KEY}{event.id}:{who.tipoff.id}"
            letter = reporter_letter(event, tipoff, who.tipoff)
            rows.append(mail_row("notification", who.email, letter, dedupe_key=key))
        if event.kind in CLOSING and tipoff.status in CLOSING:
            forget_addresses(session, [w.tipoff.id for w in told if w.anonymous])
    return rows


def forget_addresses(session: Session, tipoff_ids: Sequence[int]) -> None:
    """Delete anonymous reporters' notification addresses (their case is closed)."""
    if tipoff_ids:
        session.execute(
            delete(TipOffNotifyAddress).where(TipOffNotifyAddress.tipoff_id.in_(tipoff_ids))
        )


def stop_reporter_mail(session: Session, code: str, secret: str) -> None:
    """The reporter (code + secret) wants no more mail about the report: the opt-in ends, an
    anonymous address is deleted and waiting mails are cancelled (their address blanked).
    The same answer whether mail was on or not; audited without any address."""
    tipoff = find_tracked(session, code, secret, lock=True)
    tipoff.notify_email = False
    forget_addresses(session, [tipoff.id])
    keys = [f"{NAMED_KEY}%:{tipoff.id}", f"{ANON_KEY}%:{tipoff.id}"]
    for pattern in keys:
        session.execute(
            update(MailOutbox)
            .where(MailOutbox.dedupe_key.like(pattern), MailOutbox.status == "pending")
            .values(status="cancelled", next_attempt_at=None, to_address="")
        )
    audit(session, "public", "tipoff.mail_stop", f"tipoff:{tipoff.id}")
    session.flush()


class ReporterMail(Consumer):
    """Follows the tip-off timeline after its watermark (an event id) and queues the
    reporters' mails. An id missing in the sequence (a transaction not yet committed) holds
    the watermark for up to :data:`GAP_WAIT` seconds; the steps after it are applied
    meanwhile and applied again later, which the mails' keys make harmless."""

    name = "reporter-mail"
    batch_size = 500

    def __init__(self) -> None:
        self._gaps: dict[int, float] = {}

    def pending(self, session: Session) -> int:
        """Timeline steps after the watermark."""
        after = get_watermark(session, self.name)
        count = select(func.count()).where(TipOffEvent.id > after)
        return int(session.scalar(count) or 0)

    def run_once(self) -> int:
        db = get_db()
        with writing():
            session = db.new_session()
            try:
                after = claim_watermark(session, self.name)
                if after is None:
                    session.rollback()
                    return 0
                events = list(
                    session.scalars(
                        select(TipOffEvent)
                        .where(TipOffEvent.id > after)
                        .order_by(TipOffEvent.id)
                        .limit(self.batch_size)
                    )
                )
                if not events:
                    session.rollback()
                    return 0
                queue_mails(session, mails_for(session, events))
                mark = self.settled(after, [e.id for e in events])
                set_watermark(session, self.name, mark)
                session.commit()
                return mark - after
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def settled(self, after: int, ids: list[int], now: float | None = None) -> int:
        """The highest id up to which no id is missing (or missing for long enough): the
        watermark after applying ``ids`` (``now``: a ``time.monotonic()`` reading)."""
        now = time.monotonic() if now is None else now
        mark = after
        present = set(ids)
        for candidate in range(after + 1, ids[-1] + 1):
            if candidate not in present:
                first = self._gaps.setdefault(candidate, now)
                if now - first < GAP_WAIT:
                    break
            self._gaps.pop(candidate, None)
            mark = candidate
        return mark
