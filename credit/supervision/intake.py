"""Routing by place: a tip-off that lies in a grid becomes a case in that grid's queue.

At filing (``credit.tipoffs.filing.file_tipoff``), a report whose coordinates — or, without
them, its registered enterprise's — fall inside a grid gets a supervision case opened by the
system in the deepest such grid, in the 发现 stage, so the grid's members see it in their
queue at once. The report itself stays 已接收 until a person acts on the case
(``credit.tipoffs.case_link.follow_case``); a report outside every grid is handled by its
region as before.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from credit.grids.lookup import grid_at
from credit.records.models import Enterprise
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.models import SupervisionCase
from credit.tipoffs.models import TipOff


def _point(session: Session, tipoff: TipOff) -> tuple[float, float] | None:
    if tipoff.latitude is not None and tipoff.longitude is not None:
        return float(tipoff.longitude), float(tipoff.latitude)
    if tipoff.enterprise_id is not None:
        ent = session.get(Enterprise, tipoff.enterprise_id)
        if ent is not None and ent.latitude is not None and ent.longitude is not None:
            return float(ent.longitude), float(ent.latitude)
    return None


def route_to_grid(session: Session, tipoff: TipOff) -> SupervisionCase | None:
    """Open the system's case for a just-filed ``tipoff`` in the grid containing it; None
    when it is unplaced (waiting for triage), has no position, or lies in no grid."""
    if tipoff.placement == "unplaced":
        return None
    point = _point(session, tipoff)
    if point is None or grid_at(session, *point) is None:
        return None
    lon, lat = point
    return create_case(
        session,
        None,
        CaseInput(origin="tipoff", tipoff_id=tipoff.id, latitude=lat, longitude=lon),
        now=tipoff.created_at,
    )
