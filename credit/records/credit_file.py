"""One enterprise's public credit file (信用档案): everything its public page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import NotFound
from core.messages import msg
from credit.cases.models import Objection, RepairApplication
from credit.pledges.models import CreditPledge
from credit.pledges.signing import pledge_of
from credit.ratings.explain import Explanation, explain
from credit.ratings.history import HistoryPoint, history_story
from credit.ratings.models import CreditRating
from credit.records.listing import rating_history
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
)
from credit.records.permits import PermitState, permit_state
from credit.records.publication import is_public, public_on, repair_eligible_from
from credit.records.snapshots import enterprise_snapshots
from credit.replies.models import Reply
from credit.replies.public import Target, public_replies
from credit.tipoffs.by_enterprise import TipoffCounts, tipoff_counts


@dataclass
class CreditFile:
    enterprise: dict[str, Any]
    rating: CreditRating | None
    history: list[CreditRating]
    penalties: list[Penalty]
    inspections: list[Inspection]
    permits: list[Permit]
    emissions: list[EmissionAccount]
    disclosures: list[DisclosureReport]
    limits: dict[tuple[int, str], Any] = field(default_factory=dict)
    #: the current rating in words (None: not rated)
    explanation: Explanation | None = None
    #: each permit's state on the file's date (valid, expired, revoked, not_yet_valid)
    permit_states: dict[int, PermitState] = field(default_factory=dict)
    #: the ratings oldest first with what changed each time (the history chart and table)
    story: list[HistoryPoint] = field(default_factory=list)
    #: closed tip-offs of the last year and how many were substantiated (counts only)
    tipoffs: TipoffCounts | None = None
    #: the enterprise's approved replies (企业说明) by (record type, id; None: the rating)
    replies: dict[Target, Reply] = field(default_factory=dict)
    #: its credit pledge (信用承诺) for the file's year, if signed
    pledge: CreditPledge | None = None


def credit_file(session: Session, ent: Enterprise, today: dt.date) -> CreditFile:
    """The public credit file: published penalties only, withdrawn inspections left out."""
    snap = enterprise_snapshots(session, [ent.uscc])[ent.uscc]
    assert snap is not None
    history = rating_history(session, ent.id, limit=60)

    def rows(model: Any, *order: Any) -> list[Any]:
        return list(
            session.scalars(select(model).where(model.enterprise_id == ent.id).order_by(*order))
        )

    penalties = [p for p in rows(Penalty, Penalty.decision_date.desc()) if is_public(p, today)]
    inspections = [i for i in rows(Inspection, Inspection.date.desc()) if i.withdrawn_at is None]
    permits = list(
        session.scalars(
            select(Permit)
            .where(Permit.enterprise_id == ent.id)
            .options(selectinload(Permit.limits))
            .order_by(Permit.valid_from.desc())
        )
    )
    rating = next((r for r in history if r.is_current), None)
    return CreditFile(
        enterprise=snap,
        rating=rating,
        explanation=explain(session, rating) if rating is not None else None,
        history=history,
        story=history_story(session, history),
        tipoffs=tipoff_counts(session, ent.id, today),
        penalties=penalties,
        inspections=inspections,
        permits=permits,
        permit_states={p.id: permit_state(p, today) for p in permits},
        emissions=rows(EmissionAccount, EmissionAccount.year.desc(), EmissionAccount.pollutant),
        disclosures=rows(DisclosureReport, DisclosureReport.year.desc()),
        replies=public_replies(session, ent.id),
        pledge=pledge_of(session, ent.id, today.year),
    )


def public_penalty(session: Session, penalty_id: int, today: dt.date) -> tuple[Penalty, Enterprise]:
    """A published penalty and its enterprise, or NotFound (also for unpublished ones)."""
    penalty = session.get(Penalty, penalty_id)
    if penalty is None or not is_public(penalty, today):
        raise NotFound(msg("未找到编号为 %(id)s 的公示中的处罚决定", id=penalty_id))
    ent = session.get(Enterprise, penalty.enterprise_id)
    assert ent is not None
    return penalty, ent


def repair_status(penalty: Penalty, today: dt.date) -> tuple[bool, dt.date | None]:
    """(may apply today, first eligible day or None if never)."""
    eligible = repair_eligible_from(penalty)
    return (eligible is not None and eligible <= today), eligible


def find_case(session: Session, reference: str) -> Objection | RepairApplication:
    """An objection (YY-…) or repair application (XF-…) by its public reference."""
    ref = (reference or "").strip().upper()[:20]
    case: Objection | RepairApplication | None
    if ref.startswith("YY-"):
        case = session.scalar(select(Objection).where(Objection.reference == ref))
    else:
        case = session.scalar(select(RepairApplication).where(RepairApplication.reference == ref))
    if case is None:
        raise NotFound(msg("未找到编号为 %(ref)s 的申请", ref=ref))
    return case


def latest_penalties(
    session: Session, today: dt.date, before: int | None = None, limit: int = 30
) -> list[tuple[Penalty, str, str]]:
    """Published penalties, newest decision first: (penalty, uscc, enterprise name)."""
    stmt = (
        select(Penalty, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(public_on(today))
        .order_by(Penalty.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(Penalty.id < before)
    return [(p, u, n) for p, u, n in session.execute(stmt)]
