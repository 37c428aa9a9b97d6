"""When a pollutant discharge permit (排污许可证) is in force: one rule for scores and pages."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

PermitState = Literal["valid", "expired", "revoked", "not_yet_valid"]


class PermitLike(Protocol):
    """A permit row or a rating fact: what the rule reads (read-only)."""

    @property
    def status(self) -> str: ...
    @property
    def valid_from(self) -> dt.date: ...
    @property
    def valid_until(self) -> dt.date: ...
    @property
    def revoked_at(self) -> dt.date | None: ...


def is_revoked(permit: PermitLike, on: dt.date) -> bool:
    """Revoked on ``on`` (a revocation without a date counts from the start)."""
    return permit.status == "revoked" and (permit.revoked_at is None or permit.revoked_at <= on)


def is_expired(permit: PermitLike, on: dt.date) -> bool:
    """Past its last valid day on ``on`` (the last day itself still counts)."""
    return permit.valid_until < on


def in_force(permit: PermitLike, on: dt.date) -> bool:
    """Valid on ``on``: not revoked, and ``on`` within its validity (both ends included)."""
    return not is_revoked(permit, on) and permit.valid_from <= on <= permit.valid_until


def permit_state(permit: PermitLike, on: dt.date) -> PermitState:
    """What a page shows for the permit on ``on``: revoked, expired, not yet valid or valid."""
    if is_revoked(permit, on):
        return "revoked"
    if is_expired(permit, on):
        return "expired"
    if permit.valid_from > on:
        return "not_yet_valid"
    return "valid"
