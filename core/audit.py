"""The append-only, hash-chained audit log of regulator and operator actions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Integer, String, event, insert, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow

PENDING = "envcredit.pending_audit"
GENESIS = "0" * 64


class AuditEvent(Base):
    """One audited action; ``hash`` covers the row and the previous row's hash."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: who acted: "user:<id>", "cli:<os user>", "system"
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    #: what was acted on, e.g. "enterprise:91350100M000100Y43"
    subject: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain's last seq and hash."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))


def audit(session: Session, actor: str, action: str, subject: str,
          detail: dict[str, Any] | None = None) -> None:
    """Queue an audit event; it joins the chain when the transaction commits."""
    session.info.setdefault(PENDING, []).append(
        {"actor": actor, "action": action, "subject": subject, "detail": detail or {}})


def chain_hash(prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str,
               subject: str, detail: dict[str, Any]) -> str:
    """The SHA-256 of a row's canonical form, chained to the previous hash."""
    body = json.dumps(
        [prev_hash, seq, at.astimezone(dt.UTC).isoformat(timespec="microseconds"), actor,
         action, subject, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _write_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()
    count = len(pending)
    last_seq, prev = session.execute(
        sa_update(AuditHead).where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + count).returning(AuditHead.seq, AuditHead.hash)
    ).one()
    seq = last_seq - count
    rows = []
    now = utcnow()
    for item in pending:
        seq += 1
        # Round-trip the detail through JSON so the hash covers exactly what is stored.
        detail = json.loads(json.dumps(item["detail"], ensure_ascii=False, default=str))
        digest = chain_hash(prev, seq, now, item["actor"], item["action"], item["subject"],
                            detail)
        rows.append({**item, "detail": detail, "seq": seq, "at": now, "prev_hash": prev,
                     "hash": digest})
        prev = digest
    session.execute(insert(AuditEvent), rows)
    session.execute(sa_update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


event.listen(Session, "before_commit", _write_pending)
event.listen(Session, "after_soft_rollback",
             lambda session, _tx: session.info.pop(PENDING, None))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 5000) -> VerifyResult:
    """Recompute the chain; report the first row that does not fit."""
    prev, expected, checked = GENESIS, 1, 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq >= expected)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        for row in rows:
            if row.seq != expected:
                return VerifyResult(False, checked, expected, f"row {expected} is missing")
            if row.prev_hash != prev:
                return VerifyResult(False, checked, row.seq, "prev_hash does not match the "
                                    "previous row")
            digest = chain_hash(prev, row.seq, row.at, row.actor, row.action, row.subject,
                                row.detail)
            if digest != row.hash:
                return VerifyResult(False, checked, row.seq, "content does not match its hash")
            prev, expected, checked = row.hash, expected + 1, checked + 1
        if len(rows) < batch:
            break
    head = session.get(AuditHead, 1)
    if head is None or head.seq != checked or head.hash != prev:
        return VerifyResult(False, checked, checked + 1 if head and head.seq > checked else
                            checked, "the chain head does not match the last row (rows removed "
                            "from the end?)")
    return VerifyResult(True, checked)
