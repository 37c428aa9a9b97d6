"""Objections (异议) to a record or a rating; the case references and answer deadline they
share with credit repair (credit.cases.repairs)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import Msg, msg
from core.users import User
from core.workdays import add_workdays
from credit.cases.adjustments import require_scope
from credit.cases.models import Objection, RepairApplication
from credit.kinds import KINDS
from credit.records.models import Enterprise, Penalty
from credit.tipoffs.workflow import require_confirmed

#: regulators answer objections and repair applications within this many working days
ANSWER_WORKDAYS = 10
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
WITHDRAWABLE = {kind.entity: kind.model for kind in KINDS if kind.withdrawable}


def new_reference(prefix: str) -> str:
    """A public, unguessable reference such as ``YY-7K3M9Q2W4T``."""
    return prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def case_text(
    value: str | None, field: str, label: Msg, max_len: int, errors: dict[str, list[str]]
) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = [msg("请填写%(label)s", label=label)]
    elif len(text) > max_len:
        errors[field] = [msg("%(label)s不能超过 %(n)s 字", label=label, n=max_len)]
    return text


def require_own(filer: User | None, enterprise: Enterprise) -> None:
    """An account user files only for its own enterprise (403 otherwise)."""
    if filer is not None and filer.enterprise_id != enterprise.id:
        raise Forbidden(msg("企业账户只能为本企业提出申请"))


def filer_actor(filer: User | None) -> str:
    """The audit actor of a filing: the account user, or ``public`` for the public form."""
    return f"user:{filer.id}" if filer is not None else "public"


def file_objection(
    session: Session,
    enterprise: Enterprise,
    *,
    target_type: str,
    target_id: int | None,
    claim: str,
    contact: str,
    today: dt.date,
    filer: User | None = None,
) -> Objection:
    """An enterprise objects to one of its records or to its rating; ``filer`` is the
    enterprise's account user when filed from its account (None: the public form)."""
    require_own(filer, enterprise)
    errors: dict[str, list[str]] = {}
    claim = case_text(claim, "claim", msg("异议内容"), 4000, errors)
    contact = case_text(contact, "contact", msg("联系方式"), 200, errors)
    if target_type not in (*WITHDRAWABLE, "rating"):
        errors["target_type"] = [msg("请选择异议对象")]
    elif target_type != "rating":
        model = WITHDRAWABLE[target_type]
        record = session.get(model, target_id) if target_id else None
        if record is None or record.enterprise_id != enterprise.id:
            errors["target_id"] = [msg("该企业没有这条记录")]
    if errors:
        raise Invalid(msg("异议申请有误"), errors)
    objection = Objection(
        reference=new_reference("YY"),
        enterprise_id=enterprise.id,
        target_type=target_type,
        target_id=target_id if target_type != "rating" else None,
        claim=claim,
        contact=contact,
        status="open",
        due_at=add_workdays(today, ANSWER_WORKDAYS),
        filed_by=filer.id if filer is not None else None,
    )
    session.add(objection)
    session.flush()
    audit(
        session,
        filer_actor(filer),
        "objection.file",
        f"objection:{objection.id}",
        {"enterprise": enterprise.uscc, "target": f"{target_type}:{target_id or ''}"},
    )
    return objection


def decide_objection(
    session: Session,
    user: User,
    objection_id: int,
    *,
    uphold: bool,
    decision: str,
    today: dt.date,
    confirmed: bool = False,
) -> Objection:
    """Answer an objection; upholding one withdraws the disputed record (the rating follows);
    rejecting one (驳回) must be confirmed."""
    objection = session.get(Objection, objection_id, with_for_update=True)
    if objection is None:
        raise NotFound(msg("未找到编号为 %(id)s 的异议", id=objection_id))
    enterprise = session.get(Enterprise, objection.enterprise_id)
    assert enterprise is not None
    require_scope(user, enterprise)
    if objection.status != "open":
        raise Conflict(msg("该异议已处理"))
    errors: dict[str, list[str]] = {}
    objection.decision = case_text(decision, "decision", msg("处理意见"), 4000, errors)
    if errors:
        raise Invalid(msg("请填写处理意见"), errors)
    if not uphold:
        require_confirmed(confirmed, msg("驳回异议"))
    objection.status = "upheld" if uphold else "rejected"
    objection.decided_by = user.id
    objection.decided_at = utcnow()
    if uphold and objection.target_type in WITHDRAWABLE:
        _withdraw(session, objection, enterprise, today)
    elif uphold:
        record_change(session, Enterprise.entity, enterprise.uscc, enterprise_id=enterprise.id)
    session.flush()
    audit(
        session,
        f"user:{user.id}",
        f"objection.{objection.status}",
        f"objection:{objection.id}",
        {"enterprise": enterprise.uscc},
    )
    return objection


def _withdraw(
    session: Session, objection: Objection, enterprise: Enterprise, today: dt.date
) -> None:
    record = session.get(WITHDRAWABLE[objection.target_type], objection.target_id)
    assert record is not None
    if isinstance(record, Penalty):
        record.revoked_at = record.revoked_at or today
    else:
        record.withdrawn_at = record.withdrawn_at or today
    record_change(session, objection.target_type, record.id, enterprise_id=enterprise.id)


def open_cases(session: Session, prefix: str) -> tuple[list, list]:
    """Open objections and pending repair applications in a region, oldest first."""
    objections = session.execute(
        select(Objection, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Objection.enterprise_id)
        .where(Objection.status == "open", Enterprise.region_code.startswith(prefix))
        .order_by(Objection.due_at, Objection.id)
    ).all()
    repairs = session.execute(
        select(RepairApplication, Penalty.decision_no, Enterprise.uscc, Enterprise.name)
        .join(Penalty, Penalty.id == RepairApplication.penalty_id)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(RepairApplication.status == "pending", Enterprise.region_code.startswith(prefix))
        .order_by(RepairApplication.due_at, RepairApplication.id)
    ).all()
    return list(objections), list(repairs)
