"""What the regulator pages show of transfers: incoming ones awaiting my acknowledgement,
outgoing ones my office is waiting on, and one tip-off's transfer history with its form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.reference import region_name
from core.users import User
from credit.grids.models import Grid
from credit.grids.scope import grid_scope
from credit.tipoffs.duplicates import detail_with_duplicates
from credit.tipoffs.models import TipOff
from credit.tipoffs.tracking import effective_deadline, is_overdue
from credit.tipoffs.vocabulary import FINAL
from credit.tipoffs.workflow import scope_condition
from credit.transfers.agencies import Agency, agencies
from credit.transfers.models import TipoffTransfer
from credit.transfers.transferring import OPEN, PENDING

LIMIT = 200
#: grid codes the form suggests (a datalist; any code may be typed)
GRID_CHOICES = 300


@dataclass(frozen=True)
class TransferRow:
    """One transfer as a list shows it (officer names are for regulators only)."""

    transfer: TipoffTransfer
    tipoff: TipOff
    from_name: str
    sender: str
    acknowledger: str | None
    withdrawer: str | None
    deadline: dt.date
    overdue: bool


def _incoming_condition(session: Session, user: User) -> Any:
    """Pending transfers ``user`` may acknowledge (``transferring.may_acknowledge`` in SQL)."""
    grids = grid_scope(session, user)
    prefix = user.scope_prefix
    return or_(
        and_(
            TipoffTransfer.target_kind == "region",
            TipoffTransfer.to_region_code.like(prefix + "%"),
            TipoffTransfer.transferred_by != user.id,
        ),
        and_(
            TipoffTransfer.target_kind == "grid",
            grids.where(TipoffTransfer.to_grid_id, TipoffTransfer.to_region_code),
            TipoffTransfer.transferred_by != user.id,
        ),
        and_(TipoffTransfer.target_kind == "agency", scope_condition(user)),
    )


def _outgoing_condition(user: User) -> Any:
    """Pending transfers sent from the user's region to a region or grid (agency transfers
    are acknowledged by the sending office itself, so they are incoming)."""
    return and_(
        TipoffTransfer.target_kind != "agency",
        TipoffTransfer.from_region_code.like(user.scope_prefix + "%"),
    )


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def _rows(session: Session, condition: Any, today: dt.date) -> list[TransferRow]:
    found = session.execute(
        select(TipoffTransfer, TipOff)
        .join(TipOff, TipOff.id == TipoffTransfer.tipoff_id)
        .where(PENDING, TipOff.status.not_in(FINAL), condition)
        .order_by(TipoffTransfer.transferred_at, TipoffTransfer.id)
        .limit(LIMIT)
    ).all()
    return _as_rows(session, [(t, tip) for t, tip in found], today)


def _as_rows(
    session: Session, pairs: list[tuple[TipoffTransfer, TipOff]], today: dt.date
) -> list[TransferRow]:
    ids = {t.transferred_by for t, _ in pairs}
    ids |= {t.acknowledged_by for t, _ in pairs if t.acknowledged_by}
    people = _names(session, ids | {t.withdrawn_by for t, _ in pairs if t.withdrawn_by})
    return [
        TransferRow(
            transfer=t,
            tipoff=tip,
            from_name=region_name(session, t.from_region_code or "") or "—",
            sender=people.get(t.transferred_by, "—"),
            acknowledger=people.get(t.acknowledged_by) if t.acknowledged_by else None,
            withdrawer=people.get(t.withdrawn_by) if t.withdrawn_by else None,
            deadline=effective_deadline(tip),
            overdue=is_overdue(tip, today),
        )
        for t, tip in pairs
    ]


def count_incoming(session: Session, user: User) -> int:
    """How many transfers await the user's acknowledgement (for a to-do list)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(TipoffTransfer)
            .join(TipOff, TipOff.id == TipoffTransfer.tipoff_id)
            .where(PENDING, TipOff.status.not_in(FINAL), _incoming_condition(session, user))
        )
        or 0
    )


def list_transfers(session: Session, user: User, today: dt.date) -> dict[str, list[TransferRow]]:
    """Incoming transfers awaiting the user's acknowledgement and outgoing ones their office
    waits on, oldest first (at most ``LIMIT`` each)."""
    return {
        "incoming": _rows(session, _incoming_condition(session, user), today),
        "outgoing": _rows(session, _outgoing_condition(user), today),
    }


@dataclass(frozen=True)
class TransferPanel:
    """The transfer section of a tip-off's regulator page."""

    history: list[TransferRow]
    pending: TipoffTransfer | None
    may_transfer: bool
    agencies: tuple[Agency, ...]
    grids: list[tuple[str, str]]


def transfer_panel(session: Session, tipoff: TipOff, today: dt.date) -> TransferPanel:
    """The tip-off's transfers (oldest first), the pending one, and the form's choices."""
    pairs = [
        (t, tipoff)
        for t in session.scalars(
            select(TipoffTransfer)
            .where(TipoffTransfer.tipoff_id == tipoff.id)
            .order_by(TipoffTransfer.transferred_at, TipoffTransfer.id)
        )
    ]
    history = _as_rows(session, pairs, today)
    pending = next(
        (
            r.transfer
            for r in history
            if r.transfer.acknowledged_at is None and r.transfer.withdrawn_at is None
        ),
        None,
    )
    may = (
        pending is None
        and tipoff.status in OPEN
        and tipoff.placement == "placed"
        and tipoff.duplicate_of_id is None
    )
    grids = session.execute(
        select(Grid.code, Grid.name).order_by(Grid.level, Grid.code).limit(GRID_CHOICES)
    )
    return TransferPanel(history, pending, may, agencies(), [(c, n) for c, n in grids])


def tipoff_page(session: Session, user: User, tipoff_id: int, today: dt.date) -> dict[str, Any]:
    """The regulator's tip-off page (``workflow.tipoff_detail`` with its likely duplicates)
    and its transfer panel."""
    data = detail_with_duplicates(session, user, tipoff_id)
    return {**data, "transfers": transfer_panel(session, data["tipoff"], today)}
