"""Transferring a tip-off (移送/转办) and acknowledging it (签收).

An office sends one of its open tip-offs to another region, a grid, or another department
(``agencies.toml``) with a reason the reporter reads. Until the receiver acknowledges it, the
report stays with the sender and shows as pending at the receiver; a regulator in scope of
the receiving region (``workflow.in_scope``) or grid (``grids.scope``) acknowledges it, and
only then does the report move into their scope (its region, its supervision case's grid).
No one acknowledges their own transfer. A department outside the platform cannot log in: the
sending office records the department's receipt instead (with how it was confirmed).

The deadlines never move: ``accept_due_at`` and ``due_at`` stay as they were, and both the
timeline and the pages keep showing them. The public timeline names the receiver (region,
grid or department) and the reason, never an officer; a reason holding personal data (a phone
number, an ID number, an e-mail, the reporter's or a regulator's name) is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import Msg, msg
from core.reference import resolve_region
from core.users import User
from credit.board.personal_data import personal_data
from credit.grids.lookup import grid_by_code
from credit.grids.models import Grid
from credit.grids.scope import grid_scope
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.models import SupervisionCase
from credit.supervision.timeline import add_step
from credit.tipoffs.models import TIPOFF_STATUSES, TipOff
from credit.tipoffs.timeline import add_event, clean_text
from credit.tipoffs.vocabulary import FINAL
from credit.tipoffs.workflow import (
    MAX_ID,
    actor_of,
    get_tipoff,
    in_scope,
    note_text,
    require_status,
)
from credit.transfers.agencies import find_agency
from credit.transfers.models import TARGET_KINDS, TipoffTransfer

#: the tip-off statuses a transfer may start from: every one but the final ones
OPEN = tuple(s for s in TIPOFF_STATUSES if s not in FINAL)
#: neither acknowledged nor withdrawn
PENDING = and_(TipoffTransfer.acknowledged_at.is_(None), TipoffTransfer.withdrawn_at.is_(None))
MAX_REASON = 1000


@dataclass(frozen=True)
class TransferRequest:
    """What the form (or a caller) asks for: the kind of receiver, its code or name, why."""

    target_kind: str
    target: str
    reason: str


@dataclass(frozen=True)
class Target:
    """A checked receiver."""

    kind: str
    #: the receiving region (a grid's region for a grid); None for an agency
    region_code: str | None
    grid: Grid | None
    agency: str | None
    #: the name the reporter reads, in both languages
    name: Msg


def _refuse(field: str, message: Msg) -> Invalid:
    return Invalid(message, {field: [message]})


def _case_of(session: Session, tipoff: TipOff) -> SupervisionCase | None:
    return session.scalar(select(SupervisionCase).where(SupervisionCase.tipoff_id == tipoff.id))


def pending_transfer(session: Session, tipoff_id: int) -> TipoffTransfer | None:
    """The tip-off's transfer awaiting acknowledgement, if any."""
    return session.scalar(
        select(TipoffTransfer).where(TipoffTransfer.tipoff_id == tipoff_id, PENDING)
    )


def _target(session: Session, tipoff: TipOff, req: TransferRequest) -> Target:
    text = clean_text(req.target)[:100]
    if req.target_kind not in TARGET_KINDS:
        raise _refuse("target_kind", msg("请选择移送对象：地区、网格或其他部门"))
    if not text:
        raise _refuse("target", msg("请填写接收的地区、网格或部门"))
    if req.target_kind == "region":
        try:
            region = resolve_region(session, text)
        except Invalid as exc:
            raise _refuse("target", msg("未知的行政区划代码")) from exc
        if region.code == tipoff.region_code:
            raise _refuse("target", msg("该举报已由此地区办理"))
        return Target("region", region.code, None, None, Msg(region.name, region.name))
    if req.target_kind == "grid":
        grid = grid_by_code(session, text[:32])
        if grid is None:
            raise _refuse("target", msg("未找到网格 %(code)s", code=text[:32]))
        case = _case_of(session, tipoff)
        if case is not None and case.handling_grid_id == grid.id:
            raise _refuse("target", msg("该举报已由此网格办理"))
        return Target("grid", grid.region_code, grid, None, Msg(grid.name, grid.name))
    agency = find_agency(text)
    if agency is None:
        raise _refuse("target", msg("请从列表中选择接收部门"))
    return Target("agency", None, None, agency.zh, Msg(agency.zh, agency.en))


def _names_in(session: Session, text: str, tipoff: TipOff) -> bool:
    """True if ``text`` holds the reporter's name or a regulator's name."""
    names = set(session.scalars(select(User.name)))
    if tipoff.reporter_name:
        names.add(tipoff.reporter_name)
    return any(len(n.strip()) >= 2 and n.strip() in text for n in names if n)


def _reason(session: Session, text: str | None, tipoff: TipOff) -> str:
    reason = clean_text(text)
    if not 2 <= len(reason) <= MAX_REASON or "\x00" in reason:
        raise _refuse("reason", msg("移送原因须为 2–%(n)s 字", n=MAX_REASON))
    if personal_data(reason) or _names_in(session, reason, tipoff):
        raise _refuse("reason", msg("移送原因将向举报人公开，请勿写入姓名、电话、证件号码或邮箱"))
    return reason


def check_transfer(
    session: Session, user: User, tipoff_id: int, req: TransferRequest, *, lock: bool = False
) -> tuple[TipOff, Target, str]:
    """The tip-off, its checked receiver and reason (nothing written): NotFound / Forbidden
    outside the user's region, Conflict when it cannot move now, Invalid for bad input."""
    tipoff = get_tipoff(session, user, tipoff_id, lock=lock)
    require_status(tipoff, OPEN, msg("移送举报"))
    if tipoff.placement == "unplaced":
        raise Conflict(msg("请先确定办理地区"))
    if tipoff.duplicate_of_id is not None:
        raise Conflict(msg("已合并的举报随原举报办理，不能单独移送"))
    waiting = pending_transfer(session, tipoff.id)
    if waiting is not None:
        raise Conflict(msg("该举报已移送至 %(name)s，等待签收", name=receiver_name(waiting)))
    target = _target(session, tipoff, req)
    case = _case_of(session, tipoff)
    if target.kind == "region" and case is not None and case.status != "found":
        raise Conflict(msg("该举报的问题线索已在网格办理，只能移送至网格或其他部门"))
    return tipoff, target, _reason(session, req.reason, tipoff)


def transfer_tipoff(
    session: Session,
    user: User,
    tipoff_id: int,
    req: TransferRequest,
    *,
    now: dt.datetime | None = None,
) -> TipoffTransfer:
    """Send the tip-off to another region, grid or agency; pending until acknowledged."""
    tipoff, target, reason = check_transfer(session, user, tipoff_id, req, lock=True)
    now = now or utcnow()
    case = _case_of(session, tipoff)
    transfer = TipoffTransfer(
        tipoff_id=tipoff.id,
        from_region_code=tipoff.region_code,
        from_grid_id=case.handling_grid_id if case is not None else None,
        target_kind=target.kind,
        to_region_code=target.region_code,
        to_grid_id=target.grid.id if target.grid is not None else None,
        to_agency=target.agency,
        to_name=target.name.zh,
        reason=reason,
        transferred_by=user.id,
        transferred_at=now,
    )
    session.add(transfer)
    session.flush()
    add_event(
        session,
        tipoff,
        "transferred",
        actor_of(user),
        at=now,
        public=msg("已移送至 %(name)s（原因：%(reason)s）", name=target.name, reason=reason),
    )
    if case is not None:
        step = (case.status, case.status)
        add_step(session, case, "transferred", user, *step, note=target.name.zh, at=now)
    audit(
        session,
        actor_of(user),
        "tipoff.transfer",
        f"tipoff:{tipoff.id}",
        {"transfer": transfer.id, "to_kind": target.kind, "to": _target_key(transfer)},
    )
    return transfer


def receiver_name(transfer: TipoffTransfer) -> Msg:
    """The receiver's name in both languages (an agency's English from its list)."""
    agency = find_agency(transfer.to_agency) if transfer.to_agency else None
    return Msg(agency.zh, agency.en) if agency else Msg(transfer.to_name, transfer.to_name)


def _target_key(transfer: TipoffTransfer) -> str | int | None:
    if transfer.target_kind == "grid":
        return transfer.to_grid_id
    return transfer.to_region_code or transfer.to_agency


def may_acknowledge(session: Session, user: User, transfer: TipoffTransfer, tipoff: TipOff) -> bool:
    """True if ``user`` may acknowledge ``transfer``: a regulator of the receiving region or
    grid other than the sender; for an agency, an officer of the sending office."""
    if transfer.target_kind == "agency":
        return in_scope(user, tipoff.region_code)
    if user.id == transfer.transferred_by:
        return False
    if transfer.target_kind == "grid":
        grid = session.get(Grid, transfer.to_grid_id)
        return grid is not None and grid_scope(session, user).sees(grid)
    return in_scope(user, transfer.to_region_code)


def _move(session: Session, tipoff: TipOff, transfer: TipoffTransfer) -> None:
    """The report enters the receiver's scope: its region, and its case's grid (a case is
    opened in the receiving grid when there is none yet)."""
    if transfer.to_region_code is None:
        return
    tipoff.region_code = transfer.to_region_code
    assignee = session.get(User, tipoff.assigned_to) if tipoff.assigned_to else None
    if assignee is not None and not assignee.may_act_in(tipoff.region_code):
        tipoff.assigned_to = None
        if tipoff.status == "assigned":
            tipoff.status = "accepted"
    if tipoff.status not in OPEN:
        return
    case = _case_of(session, tipoff)
    if transfer.target_kind == "grid":
        grid = session.get(Grid, transfer.to_grid_id)
        assert grid is not None
        if case is None:
            create_case(
                session, None, CaseInput(origin="tipoff", tipoff_id=tipoff.id, grid_code=grid.code)
            )
        elif case.status != "closed":
            case.handling_grid_id, case.region_code = grid.id, grid.region_code
            if case.grid_id is None:
                case.grid_id = grid.id
    elif case is not None and case.status == "found":
        case.region_code, case.grid_id, case.handling_grid_id = tipoff.region_code, None, None


def _locked(session: Session, transfer_id: int) -> tuple[TipoffTransfer, TipOff]:
    transfer = (
        session.get(TipoffTransfer, transfer_id, with_for_update=True)
        if 0 < transfer_id <= MAX_ID
        else None
    )
    if transfer is None:
        raise NotFound(msg("未找到移送记录 %(id)s", id=transfer_id))
    tipoff = session.get(TipOff, transfer.tipoff_id, with_for_update=True)
    assert tipoff is not None
    return transfer, tipoff


def _require_pending(transfer: TipoffTransfer) -> None:
    if transfer.acknowledged_at is not None:
        raise Conflict(msg("该移送已签收"))
    if transfer.withdrawn_at is not None:
        raise Conflict(msg("该移送已撤回"))


def withdraw_transfer(
    session: Session, user: User, transfer_id: int, *, now: dt.datetime | None = None
) -> TipoffTransfer:
    """The sending office takes a transfer back before it is acknowledged; the report stays
    where it was (and may be transferred again)."""
    transfer, tipoff = _locked(session, transfer_id)
    if not in_scope(user, tipoff.region_code):
        raise Forbidden(msg("只有移送单位可以撤回移送"))
    _require_pending(transfer)
    now = now or utcnow()
    transfer.withdrawn_by, transfer.withdrawn_at = user.id, now
    add_event(
        session,
        tipoff,
        "transfer_withdrawn",
        actor_of(user),
        at=now,
        public=msg("移送至 %(name)s 已撤回，仍由原办理部门办理", name=receiver_name(transfer)),
    )
    audit(
        session,
        actor_of(user),
        "tipoff.transfer_withdraw",
        f"tipoff:{tipoff.id}",
        {"transfer": transfer.id},
    )
    return transfer


def acknowledge_transfer(
    session: Session,
    user: User,
    transfer_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> TipoffTransfer:
    """The receiver acknowledges a transfer (for an agency: the sending office records the
    agency's receipt, ``note`` required); the report then is in the receiver's scope."""
    transfer = (
        session.get(TipoffTransfer, transfer_id, with_for_update=True)
        if 0 < transfer_id <= MAX_ID
        else None
    )
    transfer, tipoff = _locked(session, transfer_id)
    if not may_acknowledge(session, user, transfer, tipoff):
        raise Forbidden(msg("只有接收地区或网格的监管人员可以签收（移送人不能自己签收）"))
    _require_pending(transfer)
    if tipoff.status in FINAL:
        raise Conflict(msg("举报已办结或不予受理，请撤回移送"))
    agency = transfer.target_kind == "agency"
    now = now or utcnow()
    transfer.receipt_note = note_text(note, "note", required=agency, high=1000)
    transfer.acknowledged_by, transfer.acknowledged_at = user.id, now
    _move(session, tipoff, transfer)
    add_event(
        session,
        tipoff,
        "transfer_received",
        actor_of(user),
        at=now,
        public=msg(
            "%(name)s 已签收，办理期限仍为 %(date)s",
            name=receiver_name(transfer),
            date=tipoff.due_at.isoformat(),
        ),
        internal=transfer.receipt_note,
    )
    audit(
        session,
        actor_of(user),
        "tipoff.transfer_acknowledge",
        f"tipoff:{tipoff.id}",
        {"transfer": transfer.id, "to_kind": transfer.target_kind},
    )
    return transfer
