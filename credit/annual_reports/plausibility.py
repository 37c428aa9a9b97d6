"""Plausibility of the reported emissions: each pollutant's reported annual emission against
the permit's annual limit, the platform's emission account and the monitoring network's
total for the year.

A flag never blocks submission: it is stored with the report for the regulator. The margin
is ``DISCLOSURE_PLAUSIBILITY_MARGIN`` (default 0.2): reported above the limit by more than
the margin, or differing from an account or a measured total by more than the margin of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from credit.annual_reports.prefill import HJ212_CODES, permit_limits, pollutant_key

DEFAULT_MARGIN = Decimal("0.2")
#: flag kinds and their names (zh-CN, English)
FLAG_NAMES = {
    "permit_limit": ("超过许可排放量", "Above the permitted annual quantity"),
    "emission_account": ("与排放核算不一致", "Differs from the emission account"),
    "monitoring": ("与在线监测累计值不一致", "Differs from the monitoring network's total"),
}


def margin_of(setting: Any) -> Decimal:
    """The configured margin as a fraction (a bad or negative setting: the default)."""
    try:
        value = Decimal(str(setting)) if setting is not None else DEFAULT_MARGIN
    except InvalidOperation:
        return DEFAULT_MARGIN
    return value if value.is_finite() and value >= 0 else DEFAULT_MARGIN


def _flag(kind: str, pollutant: str, reported: Decimal, reference: Decimal) -> dict[str, str]:
    ratio = (reported / reference) if reference else Decimal(0)
    return {
        "kind": kind,
        "pollutant": pollutant,
        "reported": str(reported),
        "reference": str(reference.quantize(Decimal("0.0001"))),
        "ratio": str(ratio.quantize(Decimal("0.01"))),
    }


def _differs(reported: Decimal, reference: Decimal, margin: Decimal) -> bool:
    return reference > 0 and abs(reported - reference) > margin * reference


def plausibility_flags(
    reported: list[dict[str, str]], records: Mapping[str, Any], margin: Decimal
) -> list[dict[str, str]]:
    """The flags of the reported rows ``[{pollutant, tonnes}]`` against ``records`` (as
    ``prefill.held_records`` gives them)."""
    limits = permit_limits(records["permits"])
    accounts = {pollutant_key(a["pollutant"]): Decimal(a["tonnes"]) for a in records["emissions"]}
    monitored = {code: Decimal(t) for code, t in records["monitored"].items()}
    flags = []
    for row in reported:
        name, tonnes = row["pollutant"], Decimal(row["tonnes"])
        key = pollutant_key(name)
        limit = limits.get(key)
        if limit is not None and tonnes > limit * (1 + margin):
            flags.append(_flag("permit_limit", name, tonnes, limit))
        account = accounts.get(key)
        if account is not None and _differs(tonnes, account, margin):
            flags.append(_flag("emission_account", name, tonnes, account))
        measured = monitored.get(HJ212_CODES.get(key, ""))
        if measured is not None and _differs(tonnes, measured, margin):
            flags.append(_flag("monitoring", name, tonnes, measured))
    return flags
