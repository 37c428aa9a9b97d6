"""The regulators' credit cases: adjustments (four-eyes), objections, repair, inspection plans."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow
from credit.ratings.levels import LEVELS

ADJUSTMENT_STATUSES = ("proposed", "approved", "rejected", "withdrawn")
OBJECTION_STATUSES = ("open", "upheld", "rejected")
OBJECTION_TARGETS = ("penalty", "inspection", "permit", "disclosure", "emission", "rating")
REPAIR_STATUSES = ("pending", "approved", "rejected")


class RatingAdjustment(Base):
    """A regulator's change of an enterprise's published level; four-eyes approved."""

    __tablename__ = "rating_adjustments"
    __table_args__ = (
        enum_check("from_level", LEVELS),
        enum_check("to_level", LEVELS),
        enum_check("status", ADJUSTMENT_STATUSES),
        CheckConstraint("approved_by IS NULL OR approved_by <> proposed_by", name="four_eyes"),
        CheckConstraint("length(reason) > 0", name="reason_required"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    from_level: Mapped[str] = mapped_column(String(8))
    to_level: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the approving (or rejecting) regulator; never the proposer
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    decision_note: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Objection(Base):
    """An enterprise's objection (异议) to a record or its rating."""

    __tablename__ = "objections"
    __table_args__ = (
        enum_check("target_type", OBJECTION_TARGETS),
        enum_check("status", OBJECTION_STATUSES),
        CheckConstraint("length(claim) > 0", name="claim_required"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: public reference the enterprise uses to follow the objection
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(Integer)
    claim: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    decision: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the enterprise account user who filed it (None: filed on the public form)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RepairApplication(Base):
    """An application for credit repair (信用修复) of one penalty."""

    __tablename__ = "repair_applications"
    __table_args__ = (
        enum_check("status", REPAIR_STATUSES),
        CheckConstraint("length(reason) > 0", name="reason_required"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    penalty_id: Mapped[int] = mapped_column(ForeignKey("penalties.id"), index=True)
    #: how the violation was corrected
    reason: Mapped[str] = mapped_column(Text)
    #: the public credit commitment (信用承诺)
    commitment: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the enterprise account user who filed it (None: filed on the public form)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class InspectionPlan(Base):
    """A saved credit-weighted random draw of enterprises to inspect (双随机)."""

    __tablename__ = "inspection_plans"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    count: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    #: the level weights used, e.g. {"black": 4, "red": 4, ...}
    weights: Mapped[dict[str, float]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InspectionPlanItem(Base):
    """One enterprise drawn into an inspection plan."""

    __tablename__ = "inspection_plan_items"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_plans.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    level: Mapped[str | None] = mapped_column(String(8))
