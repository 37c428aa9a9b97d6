"""The 企业环境信用报告 (credit report) an enterprise's page offers as a PDF, and its verification.

A report states an enterprise's public credit file on one China day: identity, the published
level and score with the reasons (``credit.ratings.explain``, as the page shows them), the
public penalties and the rating history. :func:`report_facts` is that content as plain JSON
values; its canonical encoding (sorted keys, no spaces, UTF-8) is hashed with SHA-256, so the
same facts always give the same hash. Issuing a report stores a :class:`ReportVerification`
with a random code that ``/verify/{code}`` looks up and with the hash it compares a given one to.

The stored row is not public data (it is never published, exported or fed to partners), so it
does not go to the change log. Asking for the same report again on the same day (same
enterprise, same content) gives the same code: rows grow with changes of content, not with
downloads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import iso
from core.errors import NotFound
from core.messages import msg
from credit.ratings.describe import Text
from credit.records.credit_file import CreditFile, credit_file
from credit.records.listing import get_enterprise
from credit.records.models import Enterprise, ReportVerification

#: Crockford's base32: no I, L, O or U, so a code read aloud or typed is hard to get wrong
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits, typed as four groups of four
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: the version of the report's content; a change of what it states changes this
FORMAT = "envcredit-report/1"


def new_code() -> str:
    """A random verification code (16 Crockford base32 characters, stored without dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """``7K3MQX2A9P4DH8WN`` → ``7K3M-QX2A-9P4D-H8WN``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str | None:
    """A typed code as stored (upper case, no dashes or spaces, O→0, I/L→1), or None when it
    cannot be a code."""
    cleaned = re.sub(r"[\s\-‐-―]", "", (typed or "")[:64]).upper().translate(_TYPOS)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def _text(value: Text | None) -> dict[str, str] | None:
    return {"zh": value.zh, "en": value.en} if value is not None else None


def report_facts(file: CreditFile, today: dt.date) -> dict[str, Any]:
    """What the report states, as JSON values (both languages of every sentence)."""
    ent = file.enterprise
    ex = file.explanation
    rating: dict[str, Any] | None = None
    if ex is not None and file.rating is not None:
        rating = {
            "level": ex.level,
            "computed_level": ex.computed_level,
            "adjusted": ex.adjusted,
            "score": ex.score,
            "scale": list(ex.scale),
            "band": _text(ex.band),
            "summary": _text(ex.summary),
            "veto": _text(ex.veto),
            "measures": _text(ex.measures),
            "rulebook": ex.rulebook,
            "as_of": iso(file.rating.as_of),
            "reasons": [
                {
                    "rule": r.rule,
                    "label": _text(r.label),
                    "points": r.points,
                    "veto_level": r.veto_level,
                    "record": (
                        {"name": r.record.name, "date": iso(r.record.date)}
                        if r.record is not None
                        else None
                    ),
                    "counts_until": iso(r.counts_until),
                    "capped": r.capped,
                    "detail": r.detail,
                }
                for r in ex.reasons
            ],
        }
    return {
        "format": FORMAT,
        "date": today.isoformat(),
        "enterprise": {
            "uscc": ent["uscc"],
            "name": ent["name"],
            "address": ent.get("address"),
            "region": ent.get("region_name") or ent.get("region_code"),
            "industry": ent.get("industry_name") or ent.get("industry_code"),
        },
        "rating": rating,
        "penalties": [
            {
                "decision_no": p.decision_no,
                "decision_date": iso(p.decision_date),
                "authority": p.authority,
                "violation_type": p.violation_type,
                "severity": p.severity,
                "fine_fen": p.fine_amount_fen,
            }
            for p in file.penalties
        ],
        "history": [
            {"as_of": iso(h.as_of), "level": h.level, "score": h.score}
            for h in sorted(file.history, key=lambda h: (h.as_of, h.id))
        ],
    }


def content_hash(facts: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``facts``."""
    canonical = json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedReport:
    """A report ready to print: the file it states, those facts, and its verification row."""

    file: CreditFile
    facts: dict[str, Any]
    verification: ReportVerification

    @property
    def code(self) -> str:
        return grouped(self.verification.code)


def issue_report(session: Session, uscc: str, today: dt.date) -> IssuedReport:
    """The enterprise's report on ``today``, with its verification row (the day's existing
    row when the content is the same, else a new one). Flushes; the caller commits."""
    ent = get_enterprise(session, uscc)
    file = credit_file(session, ent, today)
    facts = report_facts(file, today)
    digest = content_hash(facts)
    rating = file.rating
    for _attempt in range(3):
        found = session.scalar(
            select(ReportVerification).where(
                ReportVerification.enterprise_id == ent.id,
                ReportVerification.generated_on == today,
                ReportVerification.content_sha256 == digest,
            )
        )
        if found is not None:
            return IssuedReport(file, facts, found)
        row = ReportVerification(
            code=new_code(),
            enterprise_id=ent.id,
            enterprise_name=ent.name,
            level=rating.level if rating is not None else None,
            score=rating.score if rating is not None else None,
            rulebook=rating.rulebook_version if rating is not None else None,
            generated_on=today,
            content_sha256=digest,
        )
        try:
            with session.begin_nested():  # a concurrent twin (or a code collision) undoes this
                session.add(row)
        except IntegrityError:
            continue
        return IssuedReport(file, facts, row)
    raise RuntimeError("could not store a report verification")  # pragma: no cover


@dataclass(frozen=True)
class Verification:
    """What ``/verify/{code}`` says: the stored report and, if a hash was given, whether it is
    the report's (None: no hash given)."""

    report: ReportVerification
    uscc: str
    code: str
    given_hash: str | None
    matches: bool | None


def verify_report(session: Session, typed_code: str, given_hash: str | None) -> Verification:
    """The stored report of a verification code, or NotFound; with ``given_hash`` compared
    (case, spaces and a ``sha256:`` prefix ignored) to the hash of the report's content."""
    code = normalise_code(typed_code)
    row = (
        session.scalar(select(ReportVerification).where(ReportVerification.code == code))
        if code is not None
        else None
    )
    if row is None:
        raise NotFound(msg("没有这个验证码：该报告不是本平台出具的，或验证码输入有误。"))
    ent = session.get(Enterprise, row.enterprise_id)
    assert ent is not None
    cleaned = None
    matches = None
    if given_hash is not None and given_hash.strip():
        cleaned = re.sub(r"\s", "", given_hash[:200]).lower().removeprefix("sha256:")
        matches = bool(_SHA256.match(cleaned)) and secrets.compare_digest(
            cleaned, row.content_sha256
        )
    return Verification(row, ent.uscc, grouped(row.code), cleaned, matches)
