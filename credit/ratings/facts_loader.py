"""Load engine facts set-wise: a handful of queries per chunk of enterprises, never one each."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.clock import CHINA, local_date
from credit.cases.models import RatingAdjustment
from credit.monitoring.models import Outlet
from credit.obligations.models import DisclosureObligation
from credit.pledges.models import CreditPledge
from credit.ratings.facts import (
    AdjustmentFact,
    DisclosureFact,
    EmissionFact,
    EnterpriseFacts,
    InspectionFact,
    PenaltyFact,
    PermitFact,
    PledgeFact,
    TemporaryReportFact,
    TipoffFact,
)
from credit.ratings.monitoring_facts import monitoring_facts
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
    PermitLimit,
)
from credit.temporary_reports.models import TemporaryReport
from credit.tipoffs.models import TipOff


@dataclass(frozen=True, slots=True)
class Horizon:
    """Load only what can matter on ``as_of``: records since ``since`` (penalties also while
    still published), last year's emission accounts, recent disclosure years."""

    as_of: dt.date
    since: dt.date

    @classmethod
    def for_rulebook(cls, as_of: dt.date, lookback_days: int) -> Horizon:
        return cls(as_of, as_of - dt.timedelta(days=lookback_days))


def _where(column: Any, ids: Sequence[int], ranged: bool) -> Any:
    """Restrict to a chunk: a BETWEEN for a contiguous full scan, IN for explicit ids."""
    return column.between(ids[0], ids[-1]) if ranged else column.in_(ids)


def _fetch(session: Session, stmt: Any) -> Sequence[Any]:
    """All rows of ``stmt`` as Core rows, fetched at once (no ORM layer, no row-by-row fetch)."""
    return session.connection().execute(stmt).all()


def _group(rows: Any, build: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(build(row))
    return out


def _penalties(
    session: Session, ids: Sequence[int], ranged: bool, horizon: Horizon | None
) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """Penalties and the temporary reports filed for them, in one query."""
    stmt = (
        select(
            Penalty.enterprise_id,
            Penalty.id,
            Penalty.decision_date,
            Penalty.severity,
            Penalty.fine_amount_fen,
            Penalty.penalty_kinds,
            Penalty.criminal_transfer,
            Penalty.publish_until,
            Penalty.repaired_at,
            Penalty.revoked_at,
            TemporaryReport.id,
            TemporaryReport.filed_on,
        )
        .outerjoin(TemporaryReport, TemporaryReport.penalty_id == Penalty.id)
        .where(_where(Penalty.enterprise_id, ids, ranged))
    )
    if horizon is not None:
        stmt = stmt.where(
            or_(Penalty.decision_date >= horizon.since, Penalty.publish_until > horizon.as_of)
        )
    rows = _fetch(session, stmt)
    penalties = _group(
        rows,
        lambda r: PenaltyFact(
            r[1], r[2], r[3], r[4], tuple(k for k in r[5].split(";") if k), r[6], r[7], r[8], r[9]
        ),
    )
    reports = _group(
        (r for r in rows if r[10] is not None), lambda r: TemporaryReportFact(r[10], r[1], r[11])
    )
    return penalties, reports


def _permits(session: Session, ids: Sequence[int], ranged: bool) -> dict[int, list[Any]]:
    limits: dict[int, list[Any]] = defaultdict(list)
    for permit_id, pollutant, amount in _fetch(
        session,
        select(PermitLimit.permit_id, PermitLimit.pollutant, PermitLimit.annual_limit_tonnes)
        .join(Permit, Permit.id == PermitLimit.permit_id)
        .where(_where(Permit.enterprise_id, ids, ranged)),
    ):
        limits[permit_id].append((pollutant, amount))
    rows = _fetch(
        session,
        select(
            Permit.enterprise_id,
            Permit.id,
            Permit.valid_from,
            Permit.valid_until,
            Permit.status,
            Permit.revoked_at,
        ).where(_where(Permit.enterprise_id, ids, ranged)),
    )
    return _group(
        rows,
        lambda r: PermitFact(r[1], r[2], r[3], r[4], r[5], tuple(sorted(limits.get(r[1], ())))),
    )


def _horizon_filters(horizon: Horizon | None) -> dict[str, list[Any]]:
    if horizon is None:
        return {
            "inspections": [],
            "emissions": [],
            "disclosures": [],
            "tipoffs": [],
            "adjustments": [],
            "obligations": [],
            "pledges": [],
        }
    since_moment = dt.datetime.combine(horizon.since, dt.time(), CHINA)
    return {
        "inspections": [Inspection.date >= horizon.since],
        "emissions": [EmissionAccount.year == horizon.as_of.year - 1],
        "disclosures": [DisclosureReport.year >= horizon.as_of.year - 2],
        "tipoffs": [TipOff.closed_at >= since_moment],
        "adjustments": [RatingAdjustment.expires_at > horizon.as_of],
        # a temporary report's obligation looks at the list of its penalty's year and the one
        # before, and penalties since ``since`` count
        "obligations": [
            DisclosureObligation.year >= min(horizon.as_of.year - 2, horizon.since.year - 1)
        ],
        "pledges": [CreditPledge.year == horizon.as_of.year],
    }


def _simple(
    session: Session, ids: Sequence[int], ranged: bool, horizon: Horizon | None
) -> dict[str, dict[int, list]]:
    more = _horizon_filters(horizon)
    inspections = _fetch(
        session,
        select(Inspection.enterprise_id, Inspection.id, Inspection.date, Inspection.outcome).where(
            _where(Inspection.enterprise_id, ids, ranged),
            Inspection.withdrawn_at.is_(None),
            Inspection.outcome != "compliant",
            *more["inspections"],
        ),
    )
    emissions = _fetch(
        session,
        select(
            EmissionAccount.enterprise_id,
            EmissionAccount.id,
            EmissionAccount.year,
            EmissionAccount.pollutant,
            EmissionAccount.emitted_tonnes,
        ).where(_where(EmissionAccount.enterprise_id, ids, ranged), *more["emissions"]),
    )
    disclosures = _fetch(
        session,
        select(
            DisclosureReport.enterprise_id,
            DisclosureReport.id,
            DisclosureReport.year,
            DisclosureReport.submitted_at,
        ).where(_where(DisclosureReport.enterprise_id, ids, ranged), *more["disclosures"]),
    )
    tipoffs = _fetch(
        session,
        select(TipOff.enterprise_id, TipOff.id, TipOff.closed_at).where(
            _where(TipOff.enterprise_id, ids, ranged),
            TipOff.substantiated.is_(True),
            TipOff.closed_at.is_not(None),
            *more["tipoffs"],
        ),
    )
    adjustments = _fetch(
        session,
        select(
            RatingAdjustment.enterprise_id,
            RatingAdjustment.id,
            RatingAdjustment.to_level,
            RatingAdjustment.reason,
            RatingAdjustment.decided_at,
            RatingAdjustment.expires_at,
        ).where(
            _where(RatingAdjustment.enterprise_id, ids, ranged),
            RatingAdjustment.status == "approved",
            *more["adjustments"],
        ),
    )
    obligations = _fetch(
        session,
        select(DisclosureObligation.enterprise_id, DisclosureObligation.year).where(
            _where(DisclosureObligation.enterprise_id, ids, ranged), *more["obligations"]
        ),
    )
    pledges = _fetch(
        session,
        select(
            CreditPledge.enterprise_id, CreditPledge.id, CreditPledge.year, CreditPledge.signed_on
        ).where(_where(CreditPledge.enterprise_id, ids, ranged), *more["pledges"]),
    )
    return {
        "obligations": _group(obligations, lambda r: r[1]),
        "pledges": _group(pledges, lambda r: PledgeFact._make(r[1:])),
        "inspections": _group(inspections, lambda r: InspectionFact._make((*r[1:], None))),
        "emissions": _group(emissions, lambda r: EmissionFact._make(r[1:])),
        "disclosures": _group(disclosures, lambda r: DisclosureFact._make(r[1:])),
        "tipoffs": _group(tipoffs, lambda r: TipoffFact(r[1], local_date(r[2]), True)),
        "adjustments": _group(
            adjustments, lambda r: AdjustmentFact(r[1], r[2], r[3], local_date(r[4]), r[5])
        ),
    }


def _chunk_facts(
    session: Session,
    chunk: list[tuple[int, str | None]],
    ranged: bool,
    horizon: Horizon | None = None,
) -> Iterator[EnterpriseFacts]:
    ids = [eid for eid, _ in chunk]
    penalties, temporary = _penalties(session, ids, ranged, horizon)
    permits = _permits(session, ids, ranged)
    simple = _simple(session, ids, ranged, horizon)
    outlets, exceedances, months = monitoring_facts(
        session,
        _where(Outlet.enterprise_id, ids, ranged),
        horizon.since if horizon else None,
        horizon.as_of if horizon else None,
    )
    for eid, category in chunk:
        yield EnterpriseFacts(
            eid,
            category,
            tuple(penalties.get(eid, ())),
            tuple(simple["inspections"].get(eid, ())),
            tuple(permits.get(eid, ())),
            tuple(simple["emissions"].get(eid, ())),
            tuple(simple["disclosures"].get(eid, ())),
            tuple(simple["tipoffs"].get(eid, ())),
            tuple(simple["adjustments"].get(eid, ())),
            tuple(outlets.get(eid, ())),
            tuple(exceedances.get(eid, ())),
            tuple(months.get(eid, ())),
            frozenset(simple["obligations"].get(eid, ())),
            tuple(simple["pledges"].get(eid, ())),
            tuple(temporary.get(eid, ())),
        )


def load_facts(
    session: Session,
    enterprise_ids: Collection[int] | None = None,
    *,
    chunk: int = 2000,
    horizon: Horizon | None = None,
    id_range: tuple[int, int] | None = None,
) -> Iterator[EnterpriseFacts]:
    """Facts for the given enterprises (None = all), in enterprise-id order.

    Eleven queries per chunk of ``chunk`` enterprises (thirteen when they have monitored outlets),
    whatever their records. With a ``horizon`` only records that can matter on its date are
    read (the rating is the same).
    ``id_range`` (lowest, highest id, inclusive) limits "all" to one slice of enterprises.
    """
    stmt = select(Enterprise.id, Enterprise.permit_category).order_by(Enterprise.id)
    if enterprise_ids is not None:
        wanted = sorted(set(enterprise_ids))
        for start in range(0, len(wanted), chunk):
            part = wanted[start : start + chunk]
            rows = [(r[0], r[1]) for r in _fetch(session, stmt.where(Enterprise.id.in_(part)))]
            yield from _chunk_facts(session, rows, False, horizon)
        return
    after, last = (id_range[0] - 1, id_range[1]) if id_range else (0, None)
    if last is not None:
        stmt = stmt.where(Enterprise.id <= last)
    while True:
        rows = [
            (r[0], r[1]) for r in _fetch(session, stmt.where(Enterprise.id > after).limit(chunk))
        ]
        if not rows:
            return
        yield from _chunk_facts(session, rows, True, horizon)
        after = rows[-1][0]
