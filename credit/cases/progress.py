"""What an objection's or repair application's public page shows: the case, each step with
its date, and — once a decision changed a public record — how many partner sites' mirrors
have acknowledged that change (``credit.partners.receipts``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.changelog import first_change_since
from credit.cases.models import Objection, RepairApplication
from credit.cases.objections import WITHDRAWABLE
from credit.partners.receipts import Reached, reached
from credit.records.credit_file import find_case
from credit.records.models import Enterprise, Penalty


@dataclass(frozen=True, slots=True)
class CaseProgress:
    case: Objection | RepairApplication
    #: ``objection`` or ``repair``
    kind: str
    #: the change-feed seq that carried the decision to mirrors (None: none yet, or no change)
    change_seq: int | None
    #: the partners whose mirrors have acknowledged that change
    synced: Reached | None


def _changed_entity(
    session: Session, case: Objection | RepairApplication
) -> tuple[str, str] | None:
    """The public record a decided case changed: a repaired penalty; a withdrawn record; or
    the enterprise whose rating an upheld objection reopened. None when nothing changed."""
    if isinstance(case, RepairApplication):
        return (Penalty.entity, str(case.penalty_id)) if case.status == "approved" else None
    if case.status != "upheld":
        return None
    if case.target_type in WITHDRAWABLE and case.target_id is not None:
        return case.target_type, str(case.target_id)
    enterprise = session.get(Enterprise, case.enterprise_id)
    return (Enterprise.entity, enterprise.uscc) if enterprise is not None else None


def case_progress(session: Session, reference: str) -> CaseProgress:
    """A case by its public reference (404 when unknown), with its sync state."""
    case = find_case(session, reference)
    kind = "repair" if isinstance(case, RepairApplication) else "objection"
    changed = _changed_entity(session, case)
    seq = None
    if changed is not None and case.decided_at is not None:
        seq = first_change_since(session, *changed, since=_start(case.decided_at))
    return CaseProgress(case, kind, seq, reached(session, seq) if seq is not None else None)


def _start(at: dt.datetime) -> dt.datetime:
    """The decision's time, to the second: the change row is written at commit, after it."""
    return at.replace(microsecond=0)
