"""The scoring engine's input: plain, immutable facts about one enterprise (no database).

Named tuples rather than dataclasses: a full rescore builds millions of them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple


class PenaltyFact(NamedTuple):
    id: int
    decision_date: dt.date
    severity: str  # minor | general | grave
    fine_fen: int
    kinds: tuple[str, ...]
    criminal_transfer: bool
    publish_until: dt.date
    repaired_at: dt.date | None = None
    revoked_at: dt.date | None = None


class InspectionFact(NamedTuple):
    id: int
    date: dt.date
    outcome: str  # compliant | issues_found | refused
    withdrawn_at: dt.date | None = None


class PermitFact(NamedTuple):
    id: int
    valid_from: dt.date
    valid_until: dt.date
    status: str  # valid | revoked
    revoked_at: dt.date | None = None
    #: pollutant → permitted annual amount in tonnes
    limits: tuple[tuple[str, Decimal], ...] = ()


class EmissionFact(NamedTuple):
    id: int
    year: int
    pollutant: str
    emitted_tonnes: Decimal


class DisclosureFact(NamedTuple):
    id: int
    year: int
    submitted_at: dt.date


class TipoffFact(NamedTuple):
    id: int
    closed_at: dt.date
    substantiated: bool


class AdjustmentFact(NamedTuple):
    id: int
    to_level: str
    reason: str
    approved_at: dt.date
    expires_at: dt.date


class OutletFact(NamedTuple):
    """A monitored outlet (排放口) of the enterprise."""

    id: int
    mn: str
    code: str
    commissioned_on: dt.date


class ExceedanceFact(NamedTuple):
    """A pollutant above the outlet's limit on one China day: the day's peak valid hourly mean."""

    outlet_id: int
    day: dt.date
    pollutant: str
    peak: float
    limit: Decimal


class OutletMonthFact(NamedTuple):
    """How many hours of one China calendar month have a valid hourly mean at an outlet."""

    outlet_id: int
    #: the month's first day
    month: dt.date
    valid_hours: int


class PledgeFact(NamedTuple):
    """A signed credit pledge (信用承诺) for one calendar year."""

    id: int
    year: int
    signed_on: dt.date


class TemporaryReportFact(NamedTuple):
    """A temporary disclosure report (临时报告) the enterprise filed for one penalty."""

    id: int
    penalty_id: int
    filed_on: dt.date


class EnterpriseFacts(NamedTuple):
    """Everything the engine may use about one enterprise."""

    enterprise_id: int
    permit_category: str | None  # key | simplified | registration
    penalties: tuple[PenaltyFact, ...] = ()
    inspections: tuple[InspectionFact, ...] = ()
    permits: tuple[PermitFact, ...] = ()
    emissions: tuple[EmissionFact, ...] = ()
    disclosures: tuple[DisclosureFact, ...] = ()
    tipoffs: tuple[TipoffFact, ...] = ()
    adjustments: tuple[AdjustmentFact, ...] = ()
    outlets: tuple[OutletFact, ...] = ()
    exceedances: tuple[ExceedanceFact, ...] = ()
    outlet_months: tuple[OutletMonthFact, ...] = ()
    #: years on the obliged-to-disclose list (credit.obligations); empty: the rulebook's
    #: permit categories decide who must disclose
    obliged_years: frozenset[int] = frozenset()
    pledges: tuple[PledgeFact, ...] = ()
    temporary_reports: tuple[TemporaryReportFact, ...] = ()
