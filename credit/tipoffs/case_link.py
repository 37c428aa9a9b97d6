"""A tip-off handled as a supervision case: its public status follows the case.

The case stages map onto the tip-off statuses the reporter already knows: a case a person
opens from the report accepts it (发现 → 已受理; a case the system opened at filing, because
the report lies in a grid, accepts it at the first person's step), dispatch hands it over
(督办 → 已交办), rectification is the investigation (整改 → 调查处理中), and closing the case
closes the report with the case's result as the public outcome (办结 → 已办结). A reported
result and its verification (上报, 核查) stay inside the investigation: the reporter sees the
outcome once it has been checked. Only the tip-off's public steps are written here; who handled
the case stays in the case's own timeline.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.audit import audit
from core.db import utcnow
from core.errors import Conflict, NotFound
from core.messages import msg
from core.users import User
from credit.tipoffs.models import TipOff
from credit.tipoffs.outcome import conclude_tipoff
from credit.tipoffs.timeline import add_event
from credit.tipoffs.vocabulary import FINAL
from credit.tipoffs.workflow import MAX_ID, actor_of, get_tipoff

#: the tip-off statuses a case may start from
OPEN_FOR_CASE = ("received", "accepted", "assigned", "investigating")


def tipoff_for_case(session: Session, user: User | None, tipoff_id: int) -> TipOff:
    """The tip-off a new case handles (locked, in the user's region when there is a user);
    Conflict once it is closed or declined."""
    if user is not None:
        tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    else:
        inside = 0 < tipoff_id <= MAX_ID
        found = session.get(TipOff, tipoff_id, with_for_update=True) if inside else None
        if found is None:
            raise NotFound(msg("未找到举报 %(id)s", id=tipoff_id))
        tipoff = found
    if tipoff.status not in OPEN_FOR_CASE:
        raise Conflict(msg("该举报已办结或不予受理，不能再立案"))
    return tipoff


def follow_case(
    session: Session,
    user: User,
    tipoff: TipOff,
    stage: str,
    *,
    outcome: str | None = None,
    substantiated: bool | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Move the tip-off to match its case's new ``stage`` (a case status)."""
    now = now or utcnow()
    actor = actor_of(user)
    before = tipoff.status
    if stage == "closed":
        if tipoff.status not in FINAL:
            conclude_tipoff(
                session,
                user,
                tipoff,
                outcome=outcome or "",
                substantiated=bool(substantiated),
                now=now,
            )
        return
    if stage in {"found", "dispatched", "rectifying"} and tipoff.status == "received":
        # a case opened by the system at filing (routed to its grid) accepts the report
        # when a person first acts on it
        tipoff.status, tipoff.accepted_at = "accepted", now
        public = msg("已受理，办理期限至 %(date)s", date=tipoff.due_at.isoformat())
        add_event(session, tipoff, "accepted", actor, at=now, public=public)
    if stage == "dispatched" and tipoff.status == "accepted":
        tipoff.status = "assigned"
        add_event(session, tipoff, "assigned", actor, at=now, public=msg("已交办承办人员"))
    elif stage == "rectifying" and tipoff.status in {"accepted", "assigned"}:
        tipoff.status = "investigating"
        add_event(session, tipoff, "investigating", actor, at=now, public=msg("正在调查核实"))
    if tipoff.status == before:
        return
    audit(session, actor, "tipoff.follow_case", f"tipoff:{tipoff.id}", {"status": tipoff.status})
