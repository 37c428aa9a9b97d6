"""Emission accounting by the 产排污系数法: emitted E = G × (1 − η × k)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TONNES_QUANTUM = Decimal("0.0001")


def emitted_tonnes(
    generated: Decimal, removal_efficiency: Decimal, operating_rate: Decimal
) -> Decimal:
    """Accounted emission in tonnes, rounded half-up to 0.1 kg (the column scale).

    ``generated`` is G (tonnes), ``removal_efficiency`` η and ``operating_rate`` k are
    fractions 0–1. No treatment means η = 0, so E = G.
    """
    value = Decimal(generated) * (1 - Decimal(removal_efficiency) * Decimal(operating_rate))
    return value.quantize(TONNES_QUANTUM, rounding=ROUND_HALF_UP)
