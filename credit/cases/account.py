"""An enterprise's objections and repair applications from its own account: the list of all
of them (filed from the account or on the public form: by the enterprise), and filing new
ones through the same services, deadlines and checks as the public forms
(``credit.cases.objections``, ``credit.cases.repairs``), with the account user as filer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actors import actor_names
from core.errors import NotFound
from core.messages import msg
from core.users import User
from credit.cases.models import Objection, RepairApplication
from credit.cases.objections import file_objection
from credit.cases.repairs import apply_for_repair
from credit.enterprise_accounts.dashboard import own_enterprise
from credit.records.credit_file import CreditFile, credit_file, public_penalty, repair_status
from credit.records.models import Enterprise, Penalty
from credit.records.publication import public_on


@dataclass(frozen=True, slots=True)
class OwnCase:
    """One of the enterprise's cases as its list shows it."""

    case: Objection | RepairApplication
    #: ``objection`` or ``repair``
    kind: str
    #: the penalty's decision number (a repair, or an objection to a penalty), else None
    decision_no: str | None
    #: the account user who filed it (None: the public form)
    filer: str | None
    #: days left to the answer deadline while open (negative: overdue); None once decided
    days_left: int | None


@dataclass(frozen=True, slots=True)
class Repairable:
    """A published penalty of the enterprise and when repair may be applied for."""

    penalty: Penalty
    may_apply: bool
    #: the first day repair may be applied for (None: never repairable)
    eligible: dt.date | None
    #: the reference of its pending application, if any
    pending: str | None


@dataclass(frozen=True, slots=True)
class OwnCases:
    enterprise: Enterprise
    #: newest first
    cases: list[OwnCase]
    penalties: list[Repairable]


def filer_contact(user: User) -> str:
    """The contact a form from the account starts with: the user's name and e-mail."""
    return f"{user.name} {user.email}"


def _days_left(case: Objection | RepairApplication, today: dt.date) -> int | None:
    return (case.due_at - today).days if case.decided_at is None else None


def own_cases(session: Session, user: User, today: dt.date) -> OwnCases:
    """The user's enterprise's objections and repair applications, newest first, and its
    published penalties with their repair dates."""
    ent = own_enterprise(session, user)
    objections = session.execute(
        select(Objection, Penalty.decision_no)
        .outerjoin(
            Penalty, (Objection.target_type == "penalty") & (Penalty.id == Objection.target_id)
        )
        .where(Objection.enterprise_id == ent.id)
    ).all()
    repairs = session.execute(
        select(RepairApplication, Penalty.decision_no)
        .join(Penalty, Penalty.id == RepairApplication.penalty_id)
        .where(Penalty.enterprise_id == ent.id)
    ).all()
    rows: list[tuple[Objection | RepairApplication, str | None]] = [
        *((o, no) for o, no in objections),
        *((a, no) for a, no in repairs),
    ]
    names = actor_names(session, (f"user:{c.filed_by}" for c, _no in rows if c.filed_by))
    cases = [
        OwnCase(
            case,
            "repair" if isinstance(case, RepairApplication) else "objection",
            no,
            names.get(f"user:{case.filed_by}") if case.filed_by else None,
            _days_left(case, today),
        )
        for case, no in rows
    ]
    cases.sort(key=lambda c: (c.case.created_at, c.case.id), reverse=True)
    pending = {a.penalty_id: a.reference for a, _no in repairs if a.status == "pending"}
    return OwnCases(ent, cases, _repairable(session, ent, today, pending))


def _repairable(
    session: Session, ent: Enterprise, today: dt.date, pending: dict[int, str]
) -> list[Repairable]:
    penalties = session.scalars(
        select(Penalty)
        .where(Penalty.enterprise_id == ent.id, public_on(today))
        .order_by(Penalty.decision_date.desc(), Penalty.id.desc())
    )
    return [Repairable(p, *repair_status(p, today), pending.get(p.id)) for p in penalties]


def own_penalty(
    session: Session, user: User, penalty_id: int, today: dt.date
) -> tuple[Penalty, Enterprise]:
    """A published penalty of the user's own enterprise (404 for any other: another
    enterprise's penalty cannot be applied for from this account)."""
    ent = own_enterprise(session, user)
    penalty, owner = public_penalty(session, penalty_id, today)
    if owner.id != ent.id:
        raise NotFound(msg("本企业没有编号为 %(id)s 的公示中的处罚决定", id=penalty_id))
    return penalty, ent


def file_own_objection(
    session: Session,
    user: User,
    *,
    target_type: str,
    target_id: int | None,
    claim: str,
    contact: str,
    today: dt.date,
) -> Objection:
    """An objection from the account: the public form's service, for the user's enterprise."""
    ent = own_enterprise(session, user)
    return file_objection(
        session,
        ent,
        target_type=target_type,
        target_id=target_id,
        claim=claim,
        contact=contact,
        today=today,
        filer=user,
    )


def apply_own_repair(
    session: Session,
    user: User,
    penalty_id: int,
    *,
    reason: str,
    commitment: str,
    contact: str,
    today: dt.date,
) -> RepairApplication:
    """A repair application from the account: the public form's service, for a penalty of
    the user's own enterprise."""
    penalty, _ent = own_penalty(session, user, penalty_id, today)
    return apply_for_repair(
        session,
        penalty,
        reason=reason,
        commitment=commitment,
        contact=contact,
        today=today,
        filer=user,
    )


def own_file(session: Session, user: User, today: dt.date) -> CreditFile:
    """The user's enterprise's public credit file: what an objection may be about."""
    return credit_file(session, own_enterprise(session, user), today)
