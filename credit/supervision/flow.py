"""Moving a case: place, dispatch (督办), rectify with evidence (整改), report the result
(上报), verify (核查, by someone other than the reporter of the result) and close (办结).

A failed verification sends the case back to rectification with a new deadline. Every step
is scoped (``scope.get_case``), written to the case's timeline and audited by case id; a
case from a tip-off moves the tip-off's public status with it (``tipoffs.case_link``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid
from core.messages import msg
from core.users import User
from credit.grids.lookup import grid_by_code
from credit.supervision.classes import case_classes
from credit.supervision.models import CaseEvent, CaseEvidence, SupervisionCase
from credit.supervision.scope import get_case, scope_of
from credit.supervision.timeline import actor, add_step
from credit.supervision.vocabulary import STATUS_NAMES, named
from credit.tipoffs.attachments import Upload, prepare_uploads, write_prepared
from credit.tipoffs.case_link import follow_case
from credit.tipoffs.models import TipOff
from credit.tipoffs.workflow import note_text, require_confirmed

MAX_EVIDENCE = 20


def require_status(case: SupervisionCase, allowed: tuple[str, ...], action: str) -> None:
    """Conflict unless the case is in one of the ``allowed`` statuses."""
    if case.status not in allowed:
        raise Conflict(
            msg(
                "问题线索当前为“%(status)s”，不能%(action)s",
                status=named(STATUS_NAMES[case.status]),
                action=action,
            )
        )


def _move(
    session: Session,
    user: User,
    case: SupervisionCase,
    kind: str,
    to: str,
    *,
    note: str | None = None,
    now: dt.datetime,
) -> CaseEvent:
    """Change the status, write the step, audit, and let a linked tip-off follow."""
    before = case.status
    case.status = to
    event = add_step(session, case, kind, user, before, to, note=note, at=now)
    audit(session, actor(user), f"case.{kind}", f"case:{case.id}", {"from": before, "to": to})
    if case.tipoff_id is not None and to != before:
        tipoff = session.get(TipOff, case.tipoff_id)
        assert tipoff is not None
        follow_case(
            session,
            user,
            tipoff,
            to,
            outcome=case.result,
            substantiated=case.substantiated,
            now=now,
        )
    session.flush()
    return event


def place_case(
    session: Session, user: User, code: str, *, grid_code: str, now: dt.datetime | None = None
) -> SupervisionCase:
    """Put an unplaced case into a grid of the user's scope."""
    case = get_case(session, user, code, lock=True)
    require_status(case, ("found",), msg("确定网格"))
    grid = grid_by_code(session, (grid_code or "").strip()[:32])
    if grid is None:
        message = msg("未找到网格 %(code)s", code=(grid_code or "").strip()[:32] or "-")
        raise Invalid(message, {"grid_code": [message]})
    scope = scope_of(session, user)
    allowed = grid.id in scope.grids if scope.grid_scoped else user.may_act_in(grid.region_code)
    if not allowed:
        raise Forbidden(msg("不能在您的网格或辖区以外立案"))
    case.grid_id = case.handling_grid_id = grid.id
    case.region_code = grid.region_code
    add_step(session, case, "placed", user, "found", "found", note=grid.code, at=now)
    audit(session, actor(user), "case.place", f"case:{case.id}", {"grid": grid.code})
    return case


def dispatch_case(
    session: Session,
    user: User,
    code: str,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> SupervisionCase:
    """督办: hand a placed case to its grid's members, with the rectification deadline."""
    case = get_case(session, user, code, lock=True)
    require_status(case, ("found",), msg("督办"))
    if case.grid_id is None:
        raise Conflict(msg("请先确定问题线索所在网格"))
    now = now or utcnow()
    case.rectify_due_at = case_classes()[case.case_class].rectify_due(now)
    _move(
        session,
        user,
        case,
        "dispatched",
        "dispatched",
        note=note_text(note, "note", required=False),
        now=now,
    )
    return case


def rectify_case(
    session: Session,
    user: User,
    code: str,
    *,
    note: str | None,
    files: Sequence[Upload] = (),
    upload_dir: str,
    now: dt.datetime | None = None,
) -> SupervisionCase:
    """整改: record rectification (a note and evidence photos); may be repeated."""
    case = get_case(session, user, code, lock=True)
    require_status(case, ("dispatched", "rectifying"), msg("整改"))
    text = note_text(note, "note", required=True)
    prepared = prepare_uploads(files)
    count = (
        session.scalar(
            select(func.count()).select_from(CaseEvidence).where(CaseEvidence.case_id == case.id)
        )
        or 0
    )
    if count + len(prepared) > MAX_EVIDENCE:
        message = msg("每件问题线索最多 %(n)s 个证据文件", n=MAX_EVIDENCE)
        raise Invalid(message, {"attachments": [message]})
    now = now or utcnow()
    if case.status == "dispatched":
        event = _move(session, user, case, "rectifying", "rectifying", note=text, now=now)
    else:
        event = add_step(
            session, case, "evidence", user, "rectifying", "rectifying", note=text, at=now
        )
        session.flush()
    for item, name in write_prepared(session, prepared, upload_dir):
        session.add(
            CaseEvidence(
                case_id=case.id,
                event_id=event.id,
                filename=item.filename,
                content_type=item.content_type,
                size_bytes=len(item.data),
                sha256=item.sha256,
                storage_name=name,
                uploaded_by=user.id,
            )
        )
    audit(session, actor(user), "case.evidence", f"case:{case.id}", {"files": len(prepared)})
    return case


def report_result(
    session: Session,
    user: User,
    code: str,
    *,
    result: str,
    substantiated: bool | None,
    now: dt.datetime | None = None,
) -> SupervisionCase:
    """上报: the rectification's result, and whether the problem was borne out."""
    case = get_case(session, user, code, lock=True)
    require_status(case, ("rectifying",), msg("上报结果"))
    if not isinstance(substantiated, bool):
        message = msg("请说明问题是否属实")
        raise Invalid(message, {"substantiated": [message]})
    text = note_text(result, "result", required=True)
    now = now or utcnow()
    case.result, case.substantiated, case.reported_by = text, substantiated, user.id
    case.verify_due_at = case_classes()[case.case_class].verify_due(now)
    _move(session, user, case, "reported", "reported", note=text, now=now)
    return case


def verify_case(
    session: Session,
    user: User,
    code: str,
    *,
    passed: bool | None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> SupervisionCase:
    """核查: someone other than the reporter of the result checks it; a failure reopens."""
    case = get_case(session, user, code, lock=True)
    require_status(case, ("reported",), msg("核查"))
    if case.reported_by == user.id:
        raise Forbidden(msg("上报整改结果的人员不能核查自己上报的结果，请由其他人员核查"))
    if not isinstance(passed, bool):
        message = msg("请选择核查是否通过")
        raise Invalid(message, {"passed": [message]})
    text = note_text(note, "note", required=not passed)
    now = now or utcnow()
    if passed:
        _move(session, user, case, "verified", "verified", note=text, now=now)
        return case
    case.rectify_due_at = case_classes()[case.case_class].rectify_due(now)
    case.escalated_stage, case.reported_by = None, None
    _move(session, user, case, "failed", "rectifying", note=text, now=now)
    return case


def close_case(
    session: Session,
    user: User,
    code: str,
    *,
    note: str | None = None,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> SupervisionCase:
    """办结: close a verified case, confirmed (a linked tip-off closes with the case's
    result)."""
    case = get_case(session, user, code, lock=True)
    require_status(case, ("verified",), msg("办结此线索"))
    require_confirmed(confirmed, msg("办结"))
    now = now or utcnow()
    case.closed_at = now
    _move(
        session,
        user,
        case,
        "closed",
        "closed",
        note=note_text(note, "note", required=False),
        now=now,
    )
    return case
