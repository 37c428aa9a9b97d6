"""What an objection's or repair application's public page shows: the case, each step with
its date, and — once a decision changed a public record — how many partner sites' mirrors
have acknowledged that change (``credit.partners.receipts``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.changelog import first_change_since, read_changes
from core.messages import Msg, msg
from credit.cases.models import Objection, RepairApplication
from credit.cases.objections import WITHDRAWABLE
from credit.partners.receipts import Reached, reached
from credit.records.credit_file import find_case
from credit.records.models import Enterprise, Penalty


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a case: what happened (or is awaited) and when."""

    #: ``filed``, ``decided``, ``published`` (the change feed) or ``synced`` (partner sites)
    key: str
    what: Msg
    #: when it happened (None: not yet)
    at: dt.datetime | None
    done: bool


@dataclass(frozen=True, slots=True)
class CaseProgress:
    case: Objection | RepairApplication
    #: ``objection`` or ``repair``
    kind: str
    #: the change-feed seq that carried the decision to mirrors (None: none yet, or no change)
    change_seq: int | None
    #: the partners whose mirrors have acknowledged that change
    synced: Reached | None
    #: every step, in order, each with its date (the last ones are awaited until done)
    steps: tuple[Step, ...] = ()


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
    synced = reached(session, seq) if seq is not None else None
    steps = _steps(session, case, changed is not None, seq, synced)
    return CaseProgress(case, kind, seq, synced, steps)


def _decided(status: str) -> Msg:
    """The decision step's words, by the case's status once decided."""
    if status == "upheld":
        return msg("答复：异议成立")
    if status == "approved":
        return msg("答复：准予修复")
    return msg("答复：未予支持")


def _steps(
    session: Session,
    case: Objection | RepairApplication,
    changes: bool,
    seq: int | None,
    synced: Reached | None,
) -> tuple[Step, ...]:
    """Filed (a case is accepted when filed: its answer deadline starts then), decided, and —
    when the decision changed a public record — published to the change feed and synced."""
    due = case.due_at.isoformat()
    steps = [Step("filed", msg("提交并受理，答复期限 %(date)s", date=due), case.created_at, True)]
    if case.decided_at is None:
        steps.append(Step("decided", msg("等待答复（%(date)s 前）", date=due), None, False))
        return tuple(steps)
    steps.append(Step("decided", _decided(case.status), case.decided_at, True))
    if not changes:
        return tuple(steps)
    if seq is None:
        steps.append(Step("published", msg("等待发布到变更流"), None, False))
        return tuple(steps)
    change = read_changes(session, seq - 1, limit=1)
    at = change[0].at if change else None
    steps.append(Step("published", msg("已发布到变更流（序号 %(seq)s）", seq=seq), at, True))
    assert synced is not None
    last = max((when for _name, when in synced.partners), default=None)
    what = msg("已同步至 %(n)s 个合作网站", n=synced.count)
    steps.append(Step("synced", what, last, synced.count > 0))
    return tuple(steps)


def _start(at: dt.datetime) -> dt.datetime:
    """The decision's time, to the second: the change row is written at commit, after it."""
    return at.replace(microsecond=0)
