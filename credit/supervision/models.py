"""Supervision cases (问题线索), their timeline and evidence, and grid patrols (巡查).

A case is placed in the grid that contains it and handled by that grid's members; when a
stage is overdue it escalates to the parent grid (``handling_grid_id`` moves up one level,
once per stage). Case data never holds a reporter's identity: a case from a tip-off links
the tip-off by id and copies only its public description and place.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_check, utcnow

CASE_ORIGINS = ("tipoff", "patrol", "monitoring", "regulator")
CASE_CLASSES = ("routine", "general", "major", "critical")  # 日常 一般 较大 重大
#: the flow, in order (发现 督办 整改 上报 核查 办结)
CASE_STATUSES = ("found", "dispatched", "rectifying", "reported", "verified", "closed")
#: the stages that have a deadline (and so may escalate)
TIMED_STAGES = ("found", "dispatched", "rectifying", "reported")


class SupervisionCase(Base):
    """One problem found at a place, from discovery to its verified result."""

    __tablename__ = "supervision_cases"
    __table_args__ = (
        enum_check("origin", CASE_ORIGINS),
        enum_check("case_class", CASE_CLASSES),
        enum_check("status", CASE_STATUSES),
        CheckConstraint(
            "origin <> 'tipoff' OR tipoff_id IS NOT NULL", name="tipoff_origin_has_tipoff"
        ),
        CheckConstraint("status = 'found' OR grid_id IS NOT NULL", name="placed_before_dispatch"),
        CheckConstraint(
            "length(description) >= 5 AND length(description) <= 4000", name="description_length"
        ),
        CheckConstraint(
            "latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"
        ),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"
        ),
        CheckConstraint("escalation_level >= 0", name="escalation_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: what people say and type, e.g. XS-7K3M9-QX2WD
    code: Mapped[str] = mapped_column(String(20), unique=True)
    origin: Mapped[str] = mapped_column(String(16))
    tipoff_id: Mapped[int | None] = mapped_column(ForeignKey("tipoffs.id"), index=True, unique=True)
    patrol_id: Mapped[int | None] = mapped_column(ForeignKey("patrols.id"), index=True)
    #: the grid that contains the place; None only while the case is unplaced
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    #: the grid whose members answer for the case now (the place's grid, or an ancestor
    #: after escalation)
    handling_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    case_class: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="found", index=True)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    #: the point source's ledger code (台账), as text until the ledger links it
    point_source_code: Mapped[str | None] = mapped_column(String(40))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    dispatch_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    rectify_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verify_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: how many grid levels the case has gone up
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    #: the stage last escalated (a stage escalates once)
    escalated_stage: Mapped[str | None] = mapped_column(String(16))
    #: who reported the result (上报): they may not verify it
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str | None] = mapped_column(Text)
    #: the reported result: was the problem borne out
    substantiated: Mapped[bool | None] = mapped_column(Boolean)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CaseEvent(Base):
    """One step of a case's timeline: who, when, from which status to which, a note."""

    __tablename__ = "supervision_case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: created, dispatched, rectifying, evidence, reported, verified, failed, closed, escalated
    kind: Mapped[str] = mapped_column(String(32))
    #: "system" or "user:<id>"
    actor: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class CaseEvidence(Base):
    """A photo or PDF attached to a case; images are re-encoded without metadata."""

    __tablename__ = "supervision_case_evidence"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_cases.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_case_events.id"))
    #: the uploaded name, sanitised; never used as a path
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: file name inside the instance's upload folder (random, server-chosen)
    storage_name: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Patrol(Base):
    """A grid officer's patrol (巡查): when, where, which point sources, what was found."""

    __tablename__ = "patrols"
    __table_args__ = (CheckConstraint("ended_at >= started_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: ledger codes of the point sources visited, one per line
    source_codes: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
