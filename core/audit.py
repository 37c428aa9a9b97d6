"""The append-only audit log of regulator and operator actions, chained with HMAC-SHA256.

Every row's ``hash`` is an HMAC-SHA256, under ``AUDIT_KEY`` (kept outside the database),
of the row's canonical form and the previous row's hash. Someone who can write to the
database but does not hold the key cannot rewrite history so that it still verifies.

Chains written before the key existed used plain SHA-256 (``audit_head.scheme`` is then
``sha256``). The first use of the key (the first audited write, ``flask audit verify`` or
``flask audit anchor``) verifies such a chain with plain hashes and re-chains it with HMAC
in the same transaction, under the head-row lock every writer takes; a legacy chain that
does not verify is never re-chained (that would launder the tampering). After that the
installation never accepts plain hashes again: the instance folder keeps a marker
(``audit_chain``, see :mod:`core.audit_chain`) written once the chain is keyed, so a
database rewritten as "legacy plain" with the flag set back is refused rather than
re-keyed. See ``docs/notes/mirror.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Integer, String, event, insert
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.audit_chain import (
    GENESIS,
    KEYED,
    PLAIN,
    SCHEMES,
    AuditKeyMismatch,
    Head,
    Keyring,
    VerifyResult,
    init_app,
    keyed_hash,
    keyring,
    legacy_hash,
    rechain,
    verify,
    walk,
)
from core.db import Base, UTCDateTime, enum_check, register_queue, utcnow

log = logging.getLogger(__name__)
PENDING = "envcredit.pending_audit"
MARKER_DUE = "envcredit.audit_marker_due"


class AuditEvent(Base):
    """One audited action; ``hash`` covers the row and the previous row's hash."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
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
    """The single row holding the chain's last seq and hash, and how the chain is hashed."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), enum_check("scheme", SCHEMES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    #: "hmac-sha256" (keyed with AUDIT_KEY) or "sha256" (a legacy chain not yet re-keyed);
    #: never trusted alone: an installation that has keyed its chain accepts only HMAC
    scheme: Mapped[str] = mapped_column(String(16), default=KEYED)
    #: fingerprint of the AUDIT_KEY the chain is keyed with (not the key), to name a
    #: misconfigured key instead of reporting every row as tampered
    key_id: Mapped[str | None] = mapped_column(String(16))


def audit(
    session: Session, actor: str, action: str, subject: str, detail: dict[str, Any] | None = None
) -> None:
    """Queue an audit event; it joins the chain when the transaction commits."""
    session.info.setdefault(PENDING, []).append(
        {"actor": actor, "action": action, "subject": subject, "detail": detail or {}}
    )


def _lock_head(session: Session) -> Head:
    """Read the head under its row lock (held to the end of the transaction)."""
    row = session.execute(
        sa_update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq)
        .returning(AuditHead.seq, AuditHead.hash, AuditHead.scheme, AuditHead.key_id)
    ).one()
    return Head(*row)


def _prepare(session: Session, ring: Keyring, head: Head) -> tuple[str, list[dict[str, Any]]]:
    """The scheme new rows are hashed with, re-keying a legacy chain first if it verifies;
    and the events that re-keying adds."""
    if head.seq == 0:
        return KEYED, []  # nothing chained yet: bind the empty chain to this key
    if head.scheme == KEYED:
        if head.key_id != ring.key_id:
            raise AuditKeyMismatch(head.key_id, ring.key_id)
        return KEYED, []
    if ring.has_marker():
        # this installation keyed its chain before: a "legacy" head is a downgrade
        log.error(
            "audit_head says %s although this installation keyed its audit chain; "
            "new rows stay HMAC-keyed and `flask audit verify` reports the tampering",
            head.scheme,
        )
        return KEYED, []
    if ring.legacy_broken:
        return PLAIN, []
    checked = walk(session, AuditEvent.__table__, ring, PLAIN, head.seq, {})
    if not checked.ok or checked.head_hash != head.hash:
        ring.legacy_broken = True
        log.error(
            "the legacy audit chain does not verify (seq %s: %s); it is NOT re-keyed; "
            "run `flask audit verify`",
            checked.bad_seq or head.seq,
            checked.reason or "the head does not match the last row",
        )
        return PLAIN, []
    head.hash = rechain(session, AuditEvent.__table__, ring, head.seq)
    log.warning("audit chain re-keyed with HMAC-SHA256: %d legacy events", head.seq)
    return KEYED, [
        {
            "actor": "system",
            "action": "audit.rekey",
            "subject": "audit_chain",
            "detail": {"legacy_events": head.seq, "scheme": KEYED, "key_id": ring.key_id},
        }
    ]


def _append(session: Session, items: list[dict[str, Any]]) -> Head:
    """Chain ``items`` onto the head (re-keying a legacy chain first); returns the new head."""
    ring = keyring(session)
    head = _lock_head(session)
    scheme, extra = _prepare(session, ring, head)
    items = extra + items
    seq, prev, rows = head.seq, head.hash, []
    now = utcnow()
    for item in items:
        seq += 1
        # Round-trip the detail through JSON so the hash covers exactly what is stored.
        detail = json.loads(json.dumps(item["detail"], ensure_ascii=False, default=str))
        args = (prev, seq, now, item["actor"], item["action"], item["subject"], detail)
        digest = keyed_hash(ring.key, *args) if scheme == KEYED else legacy_hash(*args)
        rows.append(
            {**item, "detail": detail, "seq": seq, "at": now, "prev_hash": prev, "hash": digest}
        )
        prev = digest
    if rows:
        session.execute(insert(AuditEvent), rows)
    values: dict[str, Any] = {"seq": seq, "hash": prev}
    downgraded = head.seq and head.scheme != KEYED and scheme == KEYED and not extra
    if scheme == KEYED and not downgraded:  # a downgraded head keeps its flag as evidence
        values.update(scheme=KEYED, key_id=ring.key_id)
    if scheme == KEYED and not ring.marker_known and seq:
        session.info[MARKER_DUE] = (ring, seq, prev)
    session.execute(sa_update(AuditHead).where(AuditHead.id == 1).values(**values))
    return Head(seq, prev, values.get("scheme", head.scheme), values.get("key_id", head.key_id))


def _write_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()
    _append(session, pending)


def _keep_marker(session: Session) -> None:
    """After the commit that keyed (or first saw) the chain: the instance remembers it."""
    due = session.info.pop(MARKER_DUE, None)
    if due is not None:
        ring, seq, digest = due
        ring.keep_marker(seq, digest)


event.listen(Session, "before_commit", _write_pending)
event.listen(Session, "after_commit", _keep_marker)
event.listen(
    Session,
    "after_soft_rollback",
    lambda session, tx: (
        None if tx.nested else (session.info.pop(PENDING, None), session.info.pop(MARKER_DUE, None))
    ),
)
register_queue(PENDING)


def ensure_keyed(session: Session) -> Head:
    """The first use of the key outside a write: re-key a legacy chain that verifies (the
    caller commits). Raises AuditKeyMismatch when AUDIT_KEY is not the chain's key."""
    return _append(session, [])


def verify_chain(
    session: Session, anchors: dict[int, str] | None = None, batch: int = 5000
) -> VerifyResult:
    """Recompute the chain; report the first row that does not fit.

    ``anchors`` ({seq: hash}, from ``flask audit anchor``) must still be in the chain.
    """
    return verify(session, AuditEvent.__table__, AuditHead.__table__, anchors or {}, batch)


__all__ = [
    "GENESIS",
    "KEYED",
    "PLAIN",
    "AuditEvent",
    "AuditHead",
    "AuditKeyMismatch",
    "VerifyResult",
    "audit",
    "ensure_keyed",
    "init_app",
    "keyed_hash",
    "legacy_hash",
    "verify_chain",
]
