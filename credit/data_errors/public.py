"""Which public records are under verification (核查中): an open data error report names them.

Kept free of other feature imports: the records' public snapshots read it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from credit.data_errors.models import DataErrorReport


def under_review(session: Session, record_type: str, ids: Iterable[str | int]) -> set[str]:
    """The public ids among ``ids`` of ``record_type`` with an open report (核查中)."""
    wanted = {str(i) for i in ids}
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(DataErrorReport.record_id)
            .where(
                DataErrorReport.record_type == record_type,
                DataErrorReport.record_id.in_(wanted),
                DataErrorReport.status == "open",
            )
            .distinct()
        )
    )


def is_under_review(session: Session, record_type: str, record_id: str | int) -> bool:
    """True while a report about this record is open."""
    return bool(under_review(session, record_type, [record_id]))


def markers(session: Session, records: dict[str, Iterable[str | int]]) -> set[tuple[str, str]]:
    """(record type, public id) of the given records that are 核查中, in one query."""
    wanted = [(kind, {str(i) for i in ids}) for kind, ids in records.items()]
    wanted = [(kind, ids) for kind, ids in wanted if ids]
    if not wanted:
        return set()
    condition = or_(
        *(
            and_(DataErrorReport.record_type == kind, DataErrorReport.record_id.in_(ids))
            for kind, ids in wanted
        )
    )
    rows = session.execute(
        select(DataErrorReport.record_type, DataErrorReport.record_id)
        .where(condition, DataErrorReport.status == "open")
        .distinct()
    )
    return {(kind, ident) for kind, ident in rows}
