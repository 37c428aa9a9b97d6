"""The scoring engine's input: plain, immutable facts about one enterprise (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PenaltyFact:
    id: int
    decision_date: dt.date
    severity: str  # minor | general | grave
    fine_fen: int
    kinds: tuple[str, ...]
    criminal_transfer: bool
    publish_until: dt.date
    repaired_at: dt.date | None = None
    revoked_at: dt.date | None = None


@dataclass(frozen=True, slots=True)
class InspectionFact:
    id: int
    date: dt.date
    outcome: str  # compliant | issues_found | refused
    withdrawn_at: dt.date | None = None


@dataclass(frozen=True, slots=True)
class PermitFact:
    id: int
    valid_from: dt.date
    valid_until: dt.date
    status: str  # valid | revoked
    revoked_at: dt.date | None = None
    #: pollutant → permitted annual amount in tonnes
    limits: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True, slots=True)
class EmissionFact:
    id: int
    year: int
    pollutant: str
    emitted_tonnes: Decimal


@dataclass(frozen=True, slots=True)
class DisclosureFact:
    id: int
    year: int
    submitted_at: dt.date


@dataclass(frozen=True, slots=True)
class TipoffFact:
    id: int
    closed_at: dt.date
    substantiated: bool


@dataclass(frozen=True, slots=True)
class AdjustmentFact:
    id: int
    to_level: str
    reason: str
    approved_at: dt.date
    expires_at: dt.date


@dataclass(frozen=True, slots=True)
class EnterpriseFacts:
    """Everything the engine may use about one enterprise."""

    enterprise_id: int
    permit_category: str | None  # key | simplified | registration
    penalties: tuple[PenaltyFact, ...] = ()
    inspections: tuple[InspectionFact, ...] = ()
    permits: tuple[PermitFact, ...] = ()
    emissions: tuple[EmissionFact, ...] = ()
    disclosures: tuple[DisclosureFact, ...] = ()
    tipoffs: tuple[TipoffFact, ...] = ()
    adjustments: tuple[AdjustmentFact, ...] = field(default=())
