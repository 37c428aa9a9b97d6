"""Merging likely duplicates into one report, in one confirmed action.

The regulator picks a primary report and the others about the same problem; the first step
(:func:`merge_plan`) checks them and returns what will happen with a confirmation token, a
keyed digest of the user, the reports and the day; the second step (:func:`merge_reports`)
refuses anything without that token, so a crafted POST cannot skip the confirmation. Each
other report is merged by ``outcome.mark_duplicate``: it keeps its own tracking code and
secret, its timeline says 与同一问题的举报合并处理, and its tracking page then shows the
primary's progress and outcome.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import today
from core.errors import Conflict, Invalid
from core.keyed_hash import keyed_digest
from core.messages import msg
from core.users import User
from credit.tipoffs.models import TipOff
from credit.tipoffs.outcome import mark_duplicate
from credit.tipoffs.workflow import HANDLING, actor_of, get_tipoff

PURPOSE = "tipoff-merge"
#: reports merged in one action at most
MAX_MERGE = 20
MERGEABLE = ("received", *HANDLING)


@dataclass(frozen=True)
class MergePlan:
    """What a merge will do: ``others`` become duplicates of ``primary``."""

    primary: TipOff
    others: list[TipOff]
    token: str


def _ids(values: list[str] | list[int]) -> list[int]:
    out: list[int] = []
    for value in values:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 9:
            message = msg("请选择要合并的举报")
            raise Invalid(message, {"others": [message]})
        if int(text) not in out:
            out.append(int(text))
    return out


def _token(user: User, primary: int, others: list[int]) -> str:
    value = f"{user.id}:{primary}:{','.join(map(str, sorted(others)))}:{today().isoformat()}"
    return keyed_digest(value, PURPOSE)


def merge_plan(
    session: Session, user: User, primary_id: int, other_ids: list[str] | list[int]
) -> MergePlan:
    """Check a merge (all reports in the user's region, the others still open and not merged,
    the primary neither merged itself nor rejected) and return it with its confirmation token."""
    primary = get_tipoff(session, user, primary_id)
    if primary.duplicate_of_id is not None:
        raise Conflict(msg("该举报已合并到另一件举报，请在那件举报上合并"))
    if primary.status == "rejected":
        raise Conflict(msg("不予受理的举报不能作为合并的主举报"))
    ids = [i for i in _ids(other_ids) if i != primary.id]
    if not ids:
        message = msg("请选择要合并的举报")
        raise Invalid(message, {"others": [message]})
    if len(ids) > MAX_MERGE:
        message = msg("一次最多合并 %(n)s 件举报", n=MAX_MERGE)
        raise Invalid(message, {"others": [message]})
    others = [get_tipoff(session, user, i) for i in ids]
    for other in others:
        if other.duplicate_of_id is not None or other.status not in MERGEABLE:
            message = msg("举报 %(code)s 已办结或已合并，不能再合并", code=other.tracking_code)
            raise Invalid(message, {"others": [message]})
    return MergePlan(primary, others, _token(user, primary.id, ids))


def merge_reports(
    session: Session,
    user: User,
    primary_id: int,
    other_ids: list[str] | list[int],
    *,
    confirm: str,
) -> MergePlan:
    """The confirmed second step: merge every other report into the primary."""
    plan = merge_plan(session, user, primary_id, other_ids)
    if not confirm or not hmac.compare_digest(plan.token, confirm):
        raise Conflict(msg("合并须先确认：请在确认页面上确认"))
    for other in plan.others:
        # the token above is this merge's confirmation
        mark_duplicate(session, user, other.id, original=str(plan.primary.id), confirmed=True)
    audit(
        session,
        actor_of(user),
        "tipoff.merge",
        f"tipoff:{plan.primary.id}",
        {"merged": [o.id for o in plan.others]},
    )
    return plan
