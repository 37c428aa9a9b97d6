"""Credit repair (信用修复): applications for a published penalty and the regulator's decision."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.db import utcnow
from core.errors import Conflict, Invalid, NotFound
from core.messages import msg
from core.users import User
from core.workdays import add_workdays
from credit.cases.adjustments import require_scope
from credit.cases.models import RepairApplication
from credit.cases.objections import (
    ANSWER_WORKDAYS,
    case_text,
    filer_actor,
    new_reference,
    require_own,
)
from credit.records.models import Enterprise, Penalty
from credit.records.publication import is_public, repair_eligible_from


def apply_for_repair(
    session: Session,
    penalty: Penalty,
    *,
    reason: str,
    commitment: str,
    contact: str,
    today: dt.date,
    filer: User | None = None,
) -> RepairApplication:
    """Apply for credit repair of a published penalty after its minimum period; ``filer`` is
    the enterprise's account user when applied for from its account (None: the public form)."""
    if filer is not None:
        enterprise = session.get(Enterprise, penalty.enterprise_id)
        assert enterprise is not None
        require_own(filer, enterprise)
    errors: dict[str, list[str]] = {}
    reason = case_text(reason, "reason", msg("整改情况"), 4000, errors)
    commitment = case_text(commitment, "commitment", msg("信用承诺"), 4000, errors)
    contact = case_text(contact, "contact", msg("联系方式"), 200, errors)
    eligible = repair_eligible_from(penalty)
    if eligible is None:
        errors["penalty"] = [msg("该处罚不可信用修复（轻微处罚或特定严重失信）")]
    elif today < eligible:
        errors["penalty"] = [msg("最短公示期未满，%(date)s 起可申请", date=eligible.isoformat())]
    elif not is_public(penalty, today):
        errors["penalty"] = [msg("该处罚已不再公示")]
    if (
        session.scalar(
            select(RepairApplication.id).where(
                RepairApplication.penalty_id == penalty.id, RepairApplication.status == "pending"
            )
        )
        is not None
    ):
        errors["penalty"] = [msg("已有待处理的修复申请")]
    if errors:
        raise Invalid(msg("信用修复申请有误"), errors)
    application = RepairApplication(
        reference=new_reference("XF"),
        penalty_id=penalty.id,
        reason=reason,
        commitment=commitment,
        contact=contact,
        status="pending",
        due_at=add_workdays(today, ANSWER_WORKDAYS),
        filed_by=filer.id if filer is not None else None,
    )
    session.add(application)
    session.flush()
    audit(
        session,
        filer_actor(filer),
        "repair.apply",
        f"repair:{application.id}",
        {"penalty": penalty.decision_no},
    )
    return application


def decide_repair(
    session: Session,
    user: User,
    application_id: int,
    *,
    approve: bool,
    note: str | None,
    today: dt.date,
) -> RepairApplication:
    """Approve (the penalty stops counting and showing today) or reject a repair."""
    application = session.get(RepairApplication, application_id, with_for_update=True)
    if application is None:
        raise NotFound(msg("未找到编号为 %(id)s 的修复申请", id=application_id))
    penalty = session.get(Penalty, application.penalty_id)
    assert penalty is not None
    enterprise = session.get(Enterprise, penalty.enterprise_id)
    assert enterprise is not None
    require_scope(user, enterprise)
    if application.status != "pending":
        raise Conflict(msg("该申请已处理"))
    application.status = "approved" if approve else "rejected"
    application.decided_by = user.id
    application.decided_at = utcnow()
    application.decision_note = (note or "").strip() or None
    if approve:
        penalty.repaired_at = today
        record_change(session, Penalty.entity, penalty.id, enterprise_id=enterprise.id)
    session.flush()
    audit(
        session,
        f"user:{user.id}",
        f"repair.{application.status}",
        f"repair:{application.id}",
        {"penalty": penalty.decision_no},
    )
    return application
