"""Tip-off transfers: from where to where, why, by whom, and who acknowledged it when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

#: a region's office (GB/T 2260 code), a grid, or another department (free-text name)
TARGET_KINDS = ("region", "grid", "agency")
PENDING_SQL = "acknowledged_at IS NULL AND withdrawn_at IS NULL"


class TipoffTransfer(Base):
    """One transfer of a tip-off; pending until acknowledged (or withdrawn by its sender)."""

    __tablename__ = "tipoff_transfers"
    __table_args__ = (
        enum_check("target_kind", TARGET_KINDS),
        CheckConstraint(
            "(target_kind = 'region' AND to_region_code IS NOT NULL AND to_grid_id IS NULL"
            " AND to_agency IS NULL)"
            " OR (target_kind = 'grid' AND to_grid_id IS NOT NULL AND to_region_code IS NOT NULL"
            " AND to_agency IS NULL)"
            " OR (target_kind = 'agency' AND to_agency IS NOT NULL AND to_grid_id IS NULL"
            " AND to_region_code IS NULL)",
            name="one_target",
        ),
        CheckConstraint(
            "(acknowledged_by IS NULL) = (acknowledged_at IS NULL)", name="acknowledged_pair"
        ),
        CheckConstraint("(withdrawn_by IS NULL) = (withdrawn_at IS NULL)", name="withdrawn_pair"),
        CheckConstraint(
            "acknowledged_at IS NULL OR withdrawn_at IS NULL", name="acknowledged_or_withdrawn"
        ),
        CheckConstraint("length(reason) >= 2 AND length(reason) <= 1000", name="reason_length"),
        # one pending transfer per tip-off
        Index(
            "uq_tipoff_transfers_pending",
            "tipoff_id",
            unique=True,
            sqlite_where=text(PENDING_SQL),
            postgresql_where=text(PENDING_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id", ondelete="CASCADE"), index=True)
    #: the handling region when it was sent
    from_region_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("regions.code"))
    #: the grid handling its supervision case when it was sent (None: no case in a grid)
    from_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    target_kind: Mapped[str] = mapped_column(String(8))
    #: the receiving region; for a grid, the grid's region; None for an agency
    to_region_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.code"), index=True
    )
    to_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    #: the other department's name, one of ``agencies.toml``
    to_agency: Mapped[str | None] = mapped_column(String(100))
    #: the receiver's name as the reporter reads it (region, grid or agency), kept as sent
    to_name: Mapped[str] = mapped_column(String(200))
    #: why; shown to the reporter (checked for personal data when sent)
    reason: Mapped[str] = mapped_column(Text)
    transferred_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    transferred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: the receiving regulator; for an agency, the sending office's officer recording receipt
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: the sending office's officer who took it back before it was acknowledged
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: internal: how the agency confirmed receipt (document number, who signed), or a note
    receipt_note: Mapped[str | None] = mapped_column(Text)
