"""Signed pledges as the public sees them (the signer's name stays with the regulator)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import iso
from credit.pledges.models import CreditPledge
from credit.records.models import Enterprise


def pledge_snapshots(
    session: Session, ids: Iterable[str], _today: dt.date | None = None
) -> dict[str, dict[str, Any] | None]:
    """Public view of pledges by id."""
    wanted = list(ids)
    numbers = [int(i) for i in wanted if i.isdigit() and len(i) < 10]
    out: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    if not numbers:
        return out
    rows = session.execute(
        select(CreditPledge, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == CreditPledge.enterprise_id)
        .where(CreditPledge.id.in_(numbers))
    )
    for pledge, uscc in rows:
        out[str(pledge.id)] = {
            "id": pledge.id,
            "uscc": uscc,
            "year": pledge.year,
            "version": pledge.version,
            "signed_on": iso(pledge.signed_on),
        }
    return out
