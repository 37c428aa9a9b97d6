"""The one-time receipt of a new tip-off: its code and secret, shown once (security F8).

Filing leaves a random receipt token R in the filer's session cookie and a short-lived row
(:class:`~credit.tipoffs.models.TipOffReceipt`) found by a keyed hash of R. The row holds
the secret XOR a pad derived from R (HMAC-SHA256 keyed with R: R is 256 random bits used
once, and the secret is shorter than the pad). The page that shows the receipt deletes the
row in the same transaction, so a replayed cookie shows nothing; the database alone holds
no secret, and rows nobody came for are swept after ``RECEIPT_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.clock import local_date
from core.db import utcnow
from core.keyed_hash import hash_token
from credit.tipoffs.filing import FiledTipOff
from credit.tipoffs.models import Attachment, TipOff, TipOffReceipt
from credit.tipoffs.tracking import reported_enterprise
from credit.tipoffs.vocabulary import CATEGORY_NAMES, days_left, named

RECEIPT_MINUTES = 10
RECEIPT_PURPOSE = "tipoff-receipt"
_PAD_LABEL = b"envcredit tipoff receipt secret"


def _pad(token: str, length: int) -> bytes:
    pad = hmac.new(token.encode("utf-8"), _PAD_LABEL, hashlib.sha256).digest()
    if length > len(pad):
        raise ValueError("the secret is longer than the pad")
    return pad[:length]


def seal(token: str, secret: str) -> str:
    """``secret`` encrypted for the holder of ``token`` (hex)."""
    raw = secret.encode("ascii")
    return bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw)), strict=True)).hex()


def unseal(token: str, sealed: str) -> str | None:
    """The secret back from :func:`seal`; None when ``sealed`` is not what seal made."""
    try:
        raw = bytes.fromhex(sealed)
        return bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw)), strict=True)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None


def issue_receipt(session: Session, filed: FiledTipOff, now: dt.datetime | None = None) -> str:
    """Store the receipt of a tip-off just filed; returns the token for the session cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        TipOffReceipt(
            token_hash=hash_token(token, RECEIPT_PURPOSE),
            tipoff_id=filed.tipoff.id,
            sealed_secret=seal(token, filed.secret),
            expires_at=(now or utcnow()) + dt.timedelta(minutes=RECEIPT_MINUTES),
        )
    )
    return token


def take_receipt(
    session: Session, token: Any, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """What the receipt page shows, once: the row is deleted as it is read (expired rows are
    swept first). None for an unknown, expired or already shown receipt."""
    now = now or utcnow()
    session.execute(delete(TipOffReceipt).where(TipOffReceipt.expires_at <= now))
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    found = session.execute(
        select(TipOffReceipt.id, TipOffReceipt.tipoff_id, TipOffReceipt.sealed_secret).where(
            TipOffReceipt.token_hash == hash_token(token, RECEIPT_PURPOSE)
        )
    ).first()
    if found is None:
        return None
    row_id, tipoff_id, sealed = found
    # the DELETE decides: of two requests replaying one cookie at once, only one deletes it
    taken = session.execute(delete(TipOffReceipt).where(TipOffReceipt.id == row_id))
    tipoff = session.get(TipOff, tipoff_id)
    secret = unseal(token, sealed)
    if taken.rowcount != 1 or tipoff is None or secret is None:  # type: ignore[attr-defined]  # a DELETE's CursorResult
        return None
    today = local_date(now)
    return {
        "code": tipoff.tracking_code,
        "secret": secret,
        "category": tipoff.category,
        "category_label": named(CATEGORY_NAMES[tipoff.category]),
        "location": tipoff.location,
        "enterprise": reported_enterprise(session, tipoff),
        "attachments": session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.tipoff_id == tipoff.id)
        )
        or 0,
        "received": local_date(tipoff.created_at).isoformat(),
        "accept_due_at": tipoff.accept_due_at.isoformat(),
        "accept_days_left": days_left(tipoff.accept_due_at, today),
        "due_at": tipoff.due_at.isoformat(),
        "due_days_left": days_left(tipoff.due_at, today),
        "anonymous": tipoff.anonymous,
    }
