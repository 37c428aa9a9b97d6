"""Regulator adjustments of a published level: propose, then approve or reject (four-eyes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.users import User
from credit.cases.models import RatingAdjustment
from credit.ratings.levels import LEVELS
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise
from credit.tipoffs.workflow import require_confirmed

MAX_DAYS = 365


def require_scope(user: User, enterprise: Enterprise) -> None:
    """Regulators act only within their region-code prefix."""
    if not user.may_act_in(enterprise.region_code):
        raise Forbidden(
            msg(
                "企业 %(uscc)s 不在您的管辖区域 %(region)s 内",
                uscc=enterprise.uscc,
                region=user.region_code,
            )
        )


def _current_level(session: Session, enterprise_id: int) -> str | None:
    return session.scalar(
        select(CreditRating.computed_level).where(
            CreditRating.enterprise_id == enterprise_id, CreditRating.is_current
        )
    )


def _validate(to_level: str, reason: str, expires_at: dt.date, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}
    if to_level not in LEVELS:
        errors["to_level"] = [msg("请选择一个信用等级")]
    if not reason.strip():
        errors["reason"] = [msg("请填写调整理由")]
    if not today < expires_at <= today + dt.timedelta(days=MAX_DAYS):
        errors["expires_at"] = [msg("有效期须在今天之后 %(n)s 天以内", n=MAX_DAYS)]
    if errors:
        raise Invalid(msg("调整申请有误"), errors)


def propose_adjustment(
    session: Session,
    user: User,
    enterprise: Enterprise,
    *,
    to_level: str,
    reason: str,
    evidence: str | None,
    expires_at: dt.date,
    today: dt.date,
) -> RatingAdjustment:
    """Propose a new published level for an enterprise; another regulator must approve."""
    require_scope(user, enterprise)
    _validate(to_level, reason, expires_at, today)
    from_level = _current_level(session, enterprise.id)
    if from_level is None:
        raise Conflict(msg("企业尚未评价，不能调整"))
    adjustment = RatingAdjustment(
        enterprise_id=enterprise.id,
        from_level=from_level,
        to_level=to_level,
        reason=reason.strip(),
        evidence=(evidence or "").strip() or None,
        proposed_by=user.id,
        status="proposed",
        expires_at=expires_at,
    )
    session.add(adjustment)
    session.flush()
    audit(
        session,
        f"user:{user.id}",
        "adjustment.propose",
        f"adjustment:{adjustment.id}",
        {
            "enterprise": enterprise.uscc,
            "from": from_level,
            "to": to_level,
            "expires_at": expires_at.isoformat(),
        },
    )
    return adjustment


def decide_adjustment(
    session: Session,
    user: User,
    adjustment_id: int,
    *,
    approve: bool,
    note: str | None = None,
    confirmed: bool = False,
) -> RatingAdjustment:
    """Approve or reject a proposal; the decider must not be its proposer; a rejection (驳回)
    must be confirmed."""
    adjustment = session.get(RatingAdjustment, adjustment_id, with_for_update=True)
    if adjustment is None:
        raise NotFound(msg("未找到编号为 %(id)s 的调整申请", id=adjustment_id))
    enterprise = session.get(Enterprise, adjustment.enterprise_id)
    assert enterprise is not None
    require_scope(user, enterprise)
    if adjustment.proposed_by == user.id:
        raise Forbidden(msg("不能审批自己提出的调整（双人复核）"))
    if adjustment.status != "proposed":
        raise Conflict(msg("该调整已处理"))
    if not approve:
        require_confirmed(confirmed, msg("驳回调整申请"))
    adjustment.status = "approved" if approve else "rejected"
    adjustment.approved_by = user.id
    adjustment.decision_note = (note or "").strip() or None
    adjustment.decided_at = utcnow()
    session.flush()
    if approve:  # the rating follows through the rescoring consumer
        record_change(session, Enterprise.entity, enterprise.uscc, enterprise_id=enterprise.id)
    audit(
        session,
        f"user:{user.id}",
        f"adjustment.{adjustment.status}",
        f"adjustment:{adjustment.id}",
        {"enterprise": enterprise.uscc, "note": note or ""},
    )
    return adjustment


def adjustments_for(session: Session, enterprise_id: int) -> list[RatingAdjustment]:
    return list(
        session.scalars(
            select(RatingAdjustment)
            .where(RatingAdjustment.enterprise_id == enterprise_id)
            .order_by(RatingAdjustment.id.desc())
        )
    )


def pending_adjustments(
    session: Session, prefix: str
) -> list[tuple[RatingAdjustment, str, str, str]]:
    """Open proposals in a region: (adjustment, uscc, name, the proposer's name), for the
    approver, who sees the evidence, the expiry and who proposed it."""
    rows = session.execute(
        select(RatingAdjustment, Enterprise.uscc, Enterprise.name, User.name)
        .join(Enterprise, Enterprise.id == RatingAdjustment.enterprise_id)
        .join(User, User.id == RatingAdjustment.proposed_by)
        .where(RatingAdjustment.status == "proposed", Enterprise.region_code.startswith(prefix))
        .order_by(RatingAdjustment.id)
    )
    return [(a, u, n, p) for a, u, n, p in rows]
