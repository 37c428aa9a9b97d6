"""Objections (异议) to a record or a rating, and credit repair (信用修复) of penalties."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.db import utcnow
from core.errors import Conflict, Invalid, NotFound
from core.users import User
from core.workdays import add_workdays
from credit.cases.adjustments import require_scope
from credit.cases.models import Objection, RepairApplication
from credit.records.models import Enterprise, Inspection, Penalty
from credit.records.publication import is_public, repair_eligible_from

#: regulators answer objections and repair applications within this many working days
ANSWER_WORKDAYS = 10
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
WITHDRAWABLE = {"penalty": Penalty, "inspection": Inspection}


def new_reference(prefix: str) -> str:
    """A public, unguessable reference such as ``YY-7K3M9Q2W4T``."""
    return prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def _text(value: str | None, field: str, label: str, max_len: int,
          errors: dict[str, list[str]]) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = [f"{label}必填 / {field} is required"]
    elif len(text) > max_len:
        errors[field] = [f"{label}不能超过 {max_len} 字 / {field} is longer than {max_len}"]
    return text


def file_objection(session: Session, enterprise: Enterprise, *, target_type: str,
                   target_id: int | None, claim: str, contact: str,
                   today: dt.date) -> Objection:
    """An enterprise objects to one of its records or to its rating."""
    errors: dict[str, list[str]] = {}
    claim = _text(claim, "claim", "异议内容", 4000, errors)
    contact = _text(contact, "contact", "联系方式", 200, errors)
    if target_type not in (*WITHDRAWABLE, "rating"):
        errors["target_type"] = ["须为 penalty / inspection / rating 之一 / unknown target"]
    elif target_type != "rating":
        model = WITHDRAWABLE[target_type]
        record = session.get(model, target_id) if target_id else None
        if record is None or record.enterprise_id != enterprise.id:
            errors["target_id"] = ["该企业没有这条记录 / no such record of this enterprise"]
    if errors:
        raise Invalid("异议申请有误 / the objection is invalid", errors)
    objection = Objection(reference=new_reference("YY"), enterprise_id=enterprise.id,
                          target_type=target_type,
                          target_id=target_id if target_type != "rating" else None,
                          claim=claim, contact=contact, status="open",
                          due_at=add_workdays(today, ANSWER_WORKDAYS))
    session.add(objection)
    session.flush()
    audit(session, "public", "objection.file", f"objection:{objection.id}",
          {"enterprise": enterprise.uscc, "target": f"{target_type}:{target_id or ''}"})
    return objection


def decide_objection(session: Session, user: User, objection_id: int, *, uphold: bool,
                     decision: str, today: dt.date) -> Objection:
    """Answer an objection; upholding one withdraws the disputed record (the rating follows)."""
    objection = session.get(Objection, objection_id, with_for_update=True)
    if objection is None:
        raise NotFound(f"未找到异议 / no objection {objection_id}")
    enterprise = session.get(Enterprise, objection.enterprise_id)
    assert enterprise is not None
    require_scope(user, enterprise)
    if objection.status != "open":
        raise Conflict(f"该异议已处理 / objection already {objection.status}")
    errors: dict[str, list[str]] = {}
    objection.decision = _text(decision, "decision", "处理意见", 4000, errors)
    if errors:
        raise Invalid("处理意见必填 / a decision text is required", errors)
    objection.status = "upheld" if uphold else "rejected"
    objection.decided_by = user.id
    objection.decided_at = utcnow()
    if uphold and objection.target_type in WITHDRAWABLE:
        _withdraw(session, objection, enterprise, today)
    elif uphold:
        record_change(session, "enterprise", enterprise.uscc, enterprise_id=enterprise.id)
    session.flush()
    audit(session, f"user:{user.id}", f"objection.{objection.status}",
          f"objection:{objection.id}", {"enterprise": enterprise.uscc})
    return objection


def _withdraw(session: Session, objection: Objection, enterprise: Enterprise,
              today: dt.date) -> None:
    record = session.get(WITHDRAWABLE[objection.target_type], objection.target_id)
    assert record is not None
    if isinstance(record, Penalty):
        record.revoked_at = record.revoked_at or today
    else:
        record.withdrawn_at = record.withdrawn_at or today
    record_change(session, objection.target_type, record.id, enterprise_id=enterprise.id)


def apply_for_repair(session: Session, penalty: Penalty, *, reason: str, commitment: str,
                     contact: str, today: dt.date) -> RepairApplication:
    """Apply for credit repair of a published penalty after its minimum period."""
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", "整改情况", 4000, errors)
    commitment = _text(commitment, "commitment", "信用承诺", 4000, errors)
    contact = _text(contact, "contact", "联系方式", 200, errors)
    eligible = repair_eligible_from(penalty)
    if eligible is None:
        errors["penalty"] = ["该处罚不可信用修复（轻微或特定严重失信）/ this penalty cannot be "
                             "repaired (minor, or 特定严重失信)"]
    elif today < eligible:
        errors["penalty"] = [f"最短公示期未满，{eligible.isoformat()} 起可申请 / the minimum "
                             f"publication period ends on {eligible.isoformat()}"]
    elif not is_public(penalty, today):
        errors["penalty"] = ["该处罚已不再公示 / this penalty is no longer published"]
    if session.scalar(select(RepairApplication.id).where(
            RepairApplication.penalty_id == penalty.id,
            RepairApplication.status == "pending")) is not None:
        errors["penalty"] = ["已有待处理的修复申请 / a repair application is already pending"]
    if errors:
        raise Invalid("信用修复申请有误 / the repair application is invalid", errors)
    application = RepairApplication(reference=new_reference("XF"), penalty_id=penalty.id,
                                    reason=reason, commitment=commitment, contact=contact,
                                    status="pending",
                                    due_at=add_workdays(today, ANSWER_WORKDAYS))
    session.add(application)
    session.flush()
    audit(session, "public", "repair.apply", f"repair:{application.id}",
          {"penalty": penalty.decision_no})
    return application


def decide_repair(session: Session, user: User, application_id: int, *, approve: bool,
                  note: str | None, today: dt.date) -> RepairApplication:
    """Approve (the penalty stops counting and showing today) or reject a repair."""
    application = session.get(RepairApplication, application_id, with_for_update=True)
    if application is None:
        raise NotFound(f"未找到修复申请 / no repair application {application_id}")
    penalty = session.get(Penalty, application.penalty_id)
    assert penalty is not None
    enterprise = session.get(Enterprise, penalty.enterprise_id)
    assert enterprise is not None
    require_scope(user, enterprise)
    if application.status != "pending":
        raise Conflict(f"该申请已处理 / application already {application.status}")
    application.status = "approved" if approve else "rejected"
    application.decided_by = user.id
    application.decided_at = utcnow()
    application.decision_note = (note or "").strip() or None
    if approve:
        penalty.repaired_at = today
        record_change(session, "penalty", penalty.id, enterprise_id=enterprise.id)
    session.flush()
    audit(session, f"user:{user.id}", f"repair.{application.status}",
          f"repair:{application.id}", {"penalty": penalty.decision_no})
    return application


def open_cases(session: Session, prefix: str) -> tuple[list, list]:
    """Open objections and pending repair applications in a region, oldest first."""
    objections = session.execute(
        select(Objection, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Objection.enterprise_id)
        .where(Objection.status == "open", Enterprise.region_code.startswith(prefix))
        .order_by(Objection.due_at, Objection.id)).all()
    repairs = session.execute(
        select(RepairApplication, Penalty.decision_no, Enterprise.uscc, Enterprise.name)
        .join(Penalty, Penalty.id == RepairApplication.penalty_id)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(RepairApplication.status == "pending", Enterprise.region_code.startswith(prefix))
        .order_by(RepairApplication.due_at, RepairApplication.id)).all()
    return list(objections), list(repairs)
