"""Signed pledges as the public sees them (the signer's name stays with the regulator)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from core.clock import iso
from credit.pledges.models import CreditPledge
from credit.records.snapshots import record_snapshots


def pledge_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, dict[str, Any] | None]:
    """Public view of pledges by id."""
    return record_snapshots(session, CreditPledge, ids, _pledge_view)


def _pledge_view(pledge: CreditPledge, uscc: str, _name: str, _region: str) -> dict[str, Any]:
    return {
        "id": pledge.id,
        "uscc": uscc,
        "year": pledge.year,
        "version": pledge.version,
        "signed_on": iso(pledge.signed_on),
    }
