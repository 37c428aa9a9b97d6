"""Rewards (有奖举报) and the payment details a rewarded reporter gives.

``rewards`` holds the decision (amounts in whole yuan, officers by id); ``reward_payees``
holds the real-name data needed to pay, apart, shown only on the regulators' tip-off page.
Neither table is a public entity: no change-log row, no API, no feed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

REWARD_STATUSES = ("proposed", "approved", "paid", "declined")
PAYMENT_METHODS = ("bank", "phone")


class Reward(Base):
    """One reward for one reporter's tip-off: proposed, approved by a second officer, paid;
    or declined with a reason."""

    __tablename__ = "rewards"
    __table_args__ = (
        enum_check("status", REWARD_STATUSES),
        CheckConstraint("approver_id IS NULL OR approver_id <> proposer_id", name="four_eyes"),
        CheckConstraint("amount > 0 AND amount <= band_amount", name="amount_within_band"),
        CheckConstraint(
            "amount = band_amount OR reduction_reason IS NOT NULL", name="reduction_has_reason"
        ),
        CheckConstraint(
            "status <> 'declined' OR decline_reason IS NOT NULL", name="decline_has_reason"
        ),
        CheckConstraint(
            "status <> 'paid' OR (payment_reference IS NOT NULL AND approver_id IS NOT NULL)",
            name="paid_has_reference",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the rewarded reporter's own tip-off (one reward per report)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id"), unique=True)
    #: the case: the report itself, or the original it was merged into
    case_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id"), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    #: a key of ``[outcomes]`` in the rules file
    outcome: Mapped[str] = mapped_column(String(24))
    #: the rules' version and band at the time of the proposal
    rules_version: Mapped[int] = mapped_column(Integer)
    band_amount: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    reduction_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the second officer who approved or declined the proposal; never the proposer
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
    #: shown to the reporter
    decline_reason: Mapped[str | None] = mapped_column(Text)
    declined_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RewardPayee(Base):
    """The real-name payment details of a rewarded reporter (handling officers only)."""

    __tablename__ = "reward_payees"
    __table_args__ = (
        enum_check("method", PAYMENT_METHODS),
        CheckConstraint("length(name) > 0 AND length(account) > 0", name="required"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reward_id: Mapped[int] = mapped_column(
        ForeignKey("rewards.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18))
    #: keyed hash of the ID number: the annual cap counts per person without reading it
    id_key: Mapped[str] = mapped_column(String(100), index=True)
    #: "bank": ``bank_name`` + account number; "phone": the mobile number paid to
    method: Mapped[str] = mapped_column(String(8))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    account: Mapped[str] = mapped_column(String(40))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
