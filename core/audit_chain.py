"""The audit chain's hashes, its key, the instance's marker and verification.

``keyed_hash`` (HMAC-SHA256 under ``AUDIT_KEY``) is the chain's hash; ``legacy_hash`` (plain
SHA-256 of the same canonical form) is read only to verify a chain written before the key,
once, while it is re-keyed.

The marker file ``<instance>/audit_chain`` is written once, after the commit in which this
installation first keyed (or first saw keyed) its chain. It holds the key's fingerprint and
the head it saw then. While it exists, verification accepts only HMAC rows and the seq it
names must still carry the hash it names, whatever ``audit_head.scheme`` claims: a database
rewritten as a "legacy" plain chain cannot be re-keyed (laundered) here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

GENESIS = "0" * 64
PLAIN = "sha256"
KEYED = "hmac-sha256"
SCHEMES = (PLAIN, KEYED)
KEYRING = "envcredit.audit_keyring"
MARKER_FILE = "audit_chain"


class AuditKeyMismatch(RuntimeError):
    """AUDIT_KEY is not the key the chain was keyed with (a configuration error)."""

    def __init__(self, chain_key_id: str | None, configured_key_id: str) -> None:
        super().__init__(
            f"审计密钥与审计日志不符 / AUDIT_KEY is not the key this audit chain was keyed "
            f"with (chain key id {chain_key_id or 'none'}, configured {configured_key_id}); "
            f"nothing was written"
        )


def _canonical(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any],
) -> bytes:
    body = json.dumps(
        [
            prev_hash,
            seq,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            subject,
            detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return body.encode("utf-8")


def legacy_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any],
) -> str:
    """The SHA-256 of a row's canonical form (chains written before AUDIT_KEY)."""
    return hashlib.sha256(
        _canonical(prev_hash, seq, at, actor, action, subject, detail)
    ).hexdigest()


def keyed_hash(
    key: bytes,
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any],
) -> str:
    """The HMAC-SHA256 under ``key`` of a row's canonical form, chained to the previous hash."""
    return hmac.new(
        key, _canonical(prev_hash, seq, at, actor, action, subject, detail), hashlib.sha256
    ).hexdigest()


@dataclass
class Head:
    seq: int
    hash: str
    scheme: str
    key_id: str | None


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""
    scheme: str = KEYED
    head_hash: str = GENESIS
    head_at: dt.datetime | None = None


@dataclass(eq=False)
class Keyring:
    """The audit key of one app, and what this process knows of the instance's marker."""

    key: bytes
    marker_path: Path | None
    key_id: str = dataclasses.field(init=False)
    marker_known: bool = False
    legacy_broken: bool = False

    def __post_init__(self) -> None:
        self.key_id = hmac.new(self.key, b"envcredit audit key id", hashlib.sha256).hexdigest()[:16]

    def digest(self, scheme: str, *row: Any) -> str:
        return keyed_hash(self.key, *row) if scheme == KEYED else legacy_hash(*row)

    def marker(self) -> dict[str, Any] | None:
        """The instance's record that its chain is keyed, or None."""
        if self.marker_path is None or not self.marker_path.exists():
            return None
        try:
            value = json.loads(self.marker_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            value = {"scheme": KEYED, "unreadable": True}  # still: this chain was keyed
        self.marker_known = True
        return value if isinstance(value, dict) else {"scheme": KEYED, "unreadable": True}

    def has_marker(self) -> bool:
        return self.marker_known or self.marker() is not None

    def keep_marker(self, seq: int, digest: str) -> None:
        """Write the marker once (0600, never replaced): the head as first seen keyed."""
        if self.marker_path is None or self.has_marker():
            return
        from core.config import private_dir

        private_dir(self.marker_path.parent)
        body = (
            json.dumps({"scheme": KEYED, "key_id": self.key_id, "seq": seq, "hash": digest}) + "\n"
        )
        tmp = self.marker_path.with_name(f".{self.marker_path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        try:
            os.link(tmp, self.marker_path)  # another process may have won: its marker stays
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        self.marker_known = True


def init_app(app: Flask) -> Keyring:
    """Give the app's sessions the audit key (also sessions used outside an app context)."""
    from core.config import instance_path

    ring = Keyring(
        str(app.config["AUDIT_KEY"]).encode("utf-8"), instance_path(app.config, MARKER_FILE)
    )
    app.extensions[KEYRING] = ring
    db = app.extensions.get("envcredit.db")
    if db is not None:
        db.factory.kw.setdefault("info", {})[KEYRING] = ring
    return ring


def keyring(session: Session) -> Keyring:
    """The audit key for ``session``'s app."""
    ring = session.info.get(KEYRING)
    if ring is None and has_app_context():
        ring = current_app.extensions.get(KEYRING) or init_app(current_app)
    if ring is None:
        raise RuntimeError("the audit log needs the app's AUDIT_KEY (no app for this session)")
    return ring


def _rows(session: Session, table: Table, start: int, upto: int, batch: int) -> list[Any]:
    c = table.c
    return list(
        session.connection().execute(
            select(c.seq, c.at, c.actor, c.action, c.subject, c.detail, c.prev_hash, c.hash)
            .where(c.seq >= start, c.seq <= upto)
            .order_by(c.seq)
            .limit(batch)
        )
    )


def walk(
    session: Session,
    table: Table,
    ring: Keyring,
    scheme: str,
    upto: int,
    anchors: dict[int, list[tuple[str, str]]],
    batch: int = 5000,
) -> VerifyResult:
    """Check rows 1..upto with ``scheme`` and the anchors ({seq: [(hash, label)]})."""
    prev, expected, at = GENESIS, 1, None
    while expected <= upto:
        rows = _rows(session, table, expected, upto, batch)
        if not rows:
            return VerifyResult(False, expected - 1, expected, f"row {expected} is missing", scheme)
        for row in rows:
            bad = _row_problem(ring, scheme, row, expected, prev, anchors)
            if bad:
                return VerifyResult(False, expected - 1, expected, bad, scheme)
            prev, expected, at = row.hash, expected + 1, row.at
    return VerifyResult(True, upto, scheme=scheme, head_hash=prev, head_at=at)


def _row_problem(
    ring: Keyring,
    scheme: str,
    row: Any,
    expected: int,
    prev: str,
    anchors: dict[int, list[tuple[str, str]]],
) -> str | None:
    if row.seq != expected:
        return f"row {expected} is missing"
    if row.prev_hash != prev:
        return "prev_hash does not match the previous row"
    digest = ring.digest(
        scheme, prev, row.seq, row.at, row.actor, row.action, row.subject, row.detail
    )
    if not hmac.compare_digest(digest, row.hash):
        return (
            "content does not match its HMAC (AUDIT_KEY)"
            if scheme == KEYED
            else "content does not match its hash"
        )
    for wanted, label in anchors.get(row.seq, ()):
        if not hmac.compare_digest(wanted, row.hash):
            return f"the row differs from {label}"
    return None


def rechain(session: Session, table: Table, ring: Keyring, upto: int, batch: int = 5000) -> str:
    """Re-hash rows 1..upto with HMAC (after they verified with plain hashes); the new head."""
    prev, start = GENESIS, 1
    c = table.c
    stmt = (
        table.update()
        .where(c.seq == bindparam("s"))
        .values(prev_hash=bindparam("p"), hash=bindparam("h"))
    )
    while start <= upto:
        rows = _rows(session, table, start, upto, batch)
        updates = []
        for row in rows:
            digest = keyed_hash(
                ring.key, prev, row.seq, row.at, row.actor, row.action, row.subject, row.detail
            )
            updates.append({"s": row.seq, "p": prev, "h": digest})
            prev = digest
        session.connection().execute(stmt, updates)
        start = rows[-1].seq + 1
    return prev


def verify(
    session: Session, events: Table, head_table: Table, anchors: dict[int, str], batch: int = 5000
) -> VerifyResult:
    """The whole check behind ``flask audit verify`` (see ``core.audit.verify_chain``)."""
    ring = keyring(session)
    h = head_table.c
    head = Head(
        *session.connection()
        .execute(select(h.seq, h.hash, h.scheme, h.key_id).where(h.id == 1))
        .one()
    )
    marker = ring.marker()
    keyed = marker is not None or head.scheme == KEYED
    scheme = KEYED if keyed else PLAIN
    key_ids: set[str] = {
        key_id
        for key_id in (
            head.key_id if head.seq and head.scheme == KEYED else None,
            (marker or {}).get("key_id"),
        )
        if key_id is not None
    }
    if keyed and key_ids - {ring.key_id}:
        return VerifyResult(
            False, 0, None, str(AuditKeyMismatch(", ".join(sorted(key_ids)), ring.key_id)), scheme
        )
    wanted = _anchor_map(anchors, marker)
    past = [seq for seq in wanted if seq > head.seq]
    if past:
        return VerifyResult(
            False,
            head.seq,
            min(past),
            f"anchor seq {min(past)} is past the "
            f"chain head {head.seq} (rows removed from the end?)",
            scheme,
        )
    result = walk(session, events, ring, scheme, head.seq, wanted, batch)
    downgraded = keyed and head.scheme != KEYED
    if not result.ok:
        if downgraded:
            return dataclasses.replace(
                result,
                reason=result.reason + "; audit_head was set "
                "back to plain SHA-256, which this installation no "
                "longer accepts",
            )
        return result
    if result.head_hash != head.hash:
        return VerifyResult(
            False, head.seq, head.seq, "the chain head does not match the last row", scheme
        )
    problem = _past_head(session, events, head_table, head.seq)
    if problem:
        return VerifyResult(False, head.seq, head.seq + 1, problem, scheme)
    if downgraded:
        return VerifyResult(
            False,
            head.seq,
            None,
            "audit_head says plain SHA-256 although this installation keyed its chain (downgrade)",
            scheme,
        )
    return result


def _anchor_map(
    anchors: dict[int, str], marker: dict[str, Any] | None
) -> dict[int, list[tuple[str, str]]]:
    """{seq: [(hash, label)]}: the operator's anchors and the instance marker's head."""
    wanted: dict[int, list[tuple[str, str]]] = {}
    for seq, digest in anchors.items():
        wanted.setdefault(seq, []).append((digest.lower(), f"the anchor {seq}:{digest[:12]}…"))
    if marker and isinstance(marker.get("seq"), int) and marker["seq"] > 0:
        wanted.setdefault(marker["seq"], []).append(
            (
                str(marker.get("hash")),
                f"this installation's record of the head (instance file {MARKER_FILE})",
            )
        )
    return wanted


def _past_head(session: Session, events: Table, head_table: Table, seq: int) -> str | None:
    """Rows beyond the head are tampering, unless a writer committed them meanwhile."""
    beyond = (
        session.connection()
        .execute(select(func.max(events.c.seq)).where(events.c.seq > seq))
        .scalar()
    )
    if beyond is None:
        return None
    now = (
        session.connection()
        .execute(select(head_table.c.seq).where(head_table.c.id == 1))
        .scalar_one()
    )
    if now >= beyond:
        return None
    return f"rows after the chain head {seq} are not part of the chain"
