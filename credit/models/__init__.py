"""Models of the credit file (信用档案)."""

from credit.models.ratings import (
    LEVELS,
    CreditRating,
    InspectionPlan,
    InspectionPlanItem,
    Objection,
    RatingAdjustment,
    RepairApplication,
    Rulebook,
)
from credit.models.records import (
    PERMIT_CATEGORIES,
    SEVERITIES,
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
    PermitLimit,
)
from credit.models.tipoffs import (
    TIPOFF_CATEGORIES,
    Attachment,
    TipOff,
    TipOffEvent,
    TipOffReceipt,
)

__all__ = [
    "LEVELS", "PERMIT_CATEGORIES", "SEVERITIES", "TIPOFF_CATEGORIES", "Attachment",
    "CreditRating", "DisclosureReport", "EmissionAccount", "Enterprise", "Inspection",
    "InspectionPlan", "InspectionPlanItem", "Objection", "Penalty", "Permit", "PermitLimit",
    "RatingAdjustment", "RepairApplication", "Rulebook", "TipOff", "TipOffEvent",
    "TipOffReceipt",
]
