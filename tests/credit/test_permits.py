"""The permit rule (credit.records.permits): one answer for scores and pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from credit.records.permits import in_force, is_expired, is_revoked, permit_state

D = dt.date


@dataclass
class P:
    status: str = "valid"
    valid_from: dt.date = dt.date(2025, 1, 1)
    valid_until: dt.date = dt.date(2025, 12, 31)
    revoked_at: dt.date | None = None


@pytest.mark.parametrize(
    ("permit", "on", "state", "force"),
    [
        (P(), D(2025, 1, 1), "valid", True),
        (P(), D(2025, 12, 31), "valid", True),  # the last day still counts
        (P(), D(2026, 1, 1), "expired", False),
        (P(), D(2024, 12, 31), "not_yet_valid", False),
        (P(status="revoked", revoked_at=D(2025, 6, 1)), D(2025, 5, 31), "valid", True),
        (P(status="revoked", revoked_at=D(2025, 6, 1)), D(2025, 6, 1), "revoked", False),
        (P(status="revoked"), D(2025, 3, 1), "revoked", False),
        (P(status="revoked", revoked_at=D(2025, 6, 1)), D(2026, 6, 1), "revoked", False),
    ],
)
def test_state_and_force_agree(permit, on, state, force):
    assert permit_state(permit, on) == state
    assert in_force(permit, on) is force
    assert (state == "valid") is force


def test_revoked_and_expired_are_separate_questions():
    late = P(status="revoked", revoked_at=D(2026, 3, 1))
    assert is_expired(late, D(2026, 2, 1)) and not is_revoked(late, D(2026, 2, 1))
    assert permit_state(late, D(2026, 2, 1)) == "expired"
