"""Sync receipts: partners say how far their mirror has applied the change feed
(``POST /api/v1/changes/ack``), and the platform can tell when a change reached them.

Credit China syncs a completed repair to other platforms within three working days; here the
repair's page says how many partner sites have acknowledged the change that carried it
("已同步至 N 个合作网站"). A receipt is kept only when it moves its partner forward, so the
first receipt at or past a seq is when that partner had it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.changelog import last_seq
from core.db import utcnow
from core.errors import Conflict
from core.messages import msg
from core.users import ApiClient
from credit.partners.models import SyncReceipt


@dataclass(frozen=True, slots=True)
class Ack:
    """A partner's position after an acknowledgement."""

    seq: int
    #: when the partner first acknowledged ``seq`` or beyond
    at: dt.datetime
    #: False when the partner had already acknowledged this far (nothing stored)
    advanced: bool
    last_seq: int


class BeyondHead(Conflict):
    """An acknowledged seq past the newest change (a mirror of another instance)."""

    def __init__(self, seq: int, head: int) -> None:
        super().__init__(
            msg("seq=%(seq)s 超出变更流末端 %(head)s：不能确认尚未发布的变更", seq=seq, head=head)
        )
        self.head = head


def _position(session: Session, client_id: int) -> tuple[int, dt.datetime] | None:
    row = session.execute(
        select(SyncReceipt.seq, SyncReceipt.at)
        .where(SyncReceipt.api_client_id == client_id)
        .order_by(SyncReceipt.seq.desc())
        .limit(1)
    ).first()
    return (int(row.seq), row.at) if row is not None else None


def acknowledge(session: Session, client_id: int, seq: int) -> Ack:
    """Record that partner ``client_id`` has applied the feed up to ``seq``; acknowledging
    the same or an earlier seq again changes nothing (idempotent)."""
    head = last_seq(session)
    if seq > head:
        raise BeyondHead(seq, head)
    current = _position(session, client_id)
    if current is not None and current[0] >= seq:
        return Ack(current[0], current[1], False, head)
    receipt = SyncReceipt(api_client_id=client_id, seq=seq, at=utcnow())
    session.add(receipt)
    session.flush()
    return Ack(seq, receipt.at, True, head)


@dataclass(frozen=True, slots=True)
class Reached:
    """Which partners have a change: their names and when each acknowledged it."""

    seq: int
    partners: tuple[tuple[str, dt.datetime], ...]

    @property
    def count(self) -> int:
        return len(self.partners)


def reached(session: Session, seq: int) -> Reached:
    """The partners (keys not revoked) whose mirrors have acknowledged change ``seq``, each
    with the time of its first receipt at or past it, earliest first."""
    rows = session.execute(
        select(ApiClient.name, func.min(SyncReceipt.at).label("at"))
        .join(ApiClient, ApiClient.id == SyncReceipt.api_client_id)
        .where(SyncReceipt.seq >= seq, ApiClient.revoked_at.is_(None))
        .group_by(ApiClient.id, ApiClient.name)
        .order_by(func.min(SyncReceipt.at), ApiClient.name)
    )
    return Reached(seq, tuple((name, at) for name, at in rows))
