"""The reward workflow (有奖举报): propose on a closed, substantiated case → approve by a
second officer or decline with a reason → paid with a payment reference (or declined).

The proposer never decides their own proposal: this service refuses it and the database's
CHECK ``approver_id <> proposer_id`` refuses it again. Every step is audited (by ids and
amounts, never the reporter's identity) and appears on the reporter's own timeline as a
``reward`` step, which a report merged into the case never sees.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import local_date
from core.db import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.messages import msg
from core.users import User
from credit.rewards.models import Reward, RewardPayee
from credit.rewards.rules import RewardRules, reward_rules
from credit.tipoffs.codes import find_tracked
from credit.tipoffs.models import TipOff
from credit.tipoffs.timeline import add_event, clean_text
from credit.tipoffs.tracking import public_view
from credit.tipoffs.workflow import actor_of, get_tipoff, in_scope, note_text

#: the reporter-facing names of the statuses
STATUS_NAMES = {
    "proposed": "提议中",
    "approved": "已批准",
    "paid": "已发放",
    "declined": "不予奖励",
}
#: statuses whose amount counts against the per-case cap
RESERVED = ("proposed", "approved", "paid")


def case_of(session: Session, tipoff: TipOff) -> TipOff:
    """The case a report belongs to: itself, or the original it was merged into."""
    if tipoff.duplicate_of_id is None:
        return tipoff
    root = session.get(TipOff, tipoff.duplicate_of_id)
    assert root is not None
    return root


def case_reports(session: Session, root: TipOff) -> list[TipOff]:
    """The case's reports, earliest filed first (the original and every merged duplicate)."""
    merged = session.scalars(select(TipOff).where(TipOff.duplicate_of_id == root.id)).all()
    return sorted([root, *merged], key=lambda t: (t.created_at, t.id))


def _audit(session: Session, user: User | None, action: str, reward: Reward, **detail: Any) -> None:
    audit(
        session,
        actor_of(user) if user is not None else "public",
        f"reward.{action}",
        f"reward:{reward.id}",
        {"tipoff": reward.tipoff_id, "case": reward.case_id, "status": reward.status, **detail},
    )


def _reward_of(session: Session, tipoff_id: int, *, lock: bool = False) -> Reward:
    stmt = select(Reward).where(Reward.tipoff_id == tipoff_id)
    reward = session.scalar(stmt.with_for_update() if lock else stmt)
    if reward is None:
        raise NotFound(msg("该举报没有奖励记录"))
    return reward


def reserved_for_case(session: Session, case_id: int) -> int:
    """Yuan proposed, approved or paid for a case so far."""
    total = session.scalar(
        select(func.coalesce(func.sum(Reward.amount), 0)).where(
            Reward.case_id == case_id, Reward.status.in_(RESERVED)
        )
    )
    return int(total or 0)


def eligibility(session: Session, tipoff: TipOff, rules: RewardRules | None = None) -> str | None:
    """None when a reward may be proposed for this report; else why not (a Chinese msg)."""
    rules = rules or reward_rules()
    if session.scalar(select(Reward.id).where(Reward.tipoff_id == tipoff.id)) is not None:
        return msg("该举报已有奖励记录")
    root = case_of(session, tipoff)
    if root.status != "closed" or root.substantiated is not True:
        return msg("只有办结且经查属实的举报才能提议奖励")
    if root.severity is None:
        return msg("请先为举报定级，奖励标准按等级确定")
    if rules.first_reporter_only:
        first = case_reports(session, root)[0]
        if first.id != tipoff.id:
            return msg("按首报规则，本案只奖励最先举报的 %(code)s", code=first.tracking_code)
    if reserved_for_case(session, root.id) >= rules.per_case_cap:
        return msg("本案奖励已达上限 %(cap)s 元", cap=rules.per_case_cap)
    return None


def _amount(value: Any) -> int | None:
    text = clean_text(value)
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        message = msg("金额须为正整数（元）")
        raise Invalid(message, {"amount": [message]})
    return int(text)


def propose_reward(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    outcome: str,
    amount: Any = None,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> Reward:
    """Propose a reward for a reporter of a closed, substantiated case; the amount defaults
    to the band for the case's severity and the chosen outcome and may only be lowered,
    with a reason. Another officer must approve it."""
    rules = reward_rules()
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    if outcome not in rules.outcomes:
        message = msg("请选择处理结果")
        raise Invalid(message, {"outcome": [message]})
    why_not = eligibility(session, tipoff, rules)
    if why_not is not None:
        raise Conflict(why_not)
    root = case_of(session, tipoff)
    assert root.severity is not None
    band = rules.band(root.severity, outcome)
    value = _amount(amount)
    value = band if value is None else value
    if not 0 < value <= band:
        message = msg("奖励金额须在 1–%(band)s 元之间（不得高于标准）", band=band)
        raise Invalid(message, {"amount": [message]})
    text = note_text(reason, "reason", required=value < band, high=2000)
    left = rules.per_case_cap - reserved_for_case(session, root.id)
    if value > left:
        message = msg("超过本案奖励上限，本案还可奖励 %(n)s 元", n=left)
        raise Invalid(message, {"amount": [message]})
    now = now or utcnow()
    reward = Reward(
        tipoff_id=tipoff.id,
        case_id=root.id,
        severity=root.severity,
        outcome=outcome,
        rules_version=rules.version,
        band_amount=band,
        amount=value,
        reduction_reason=text if value < band else None,
        status="proposed",
        proposer_id=user.id,
        proposed_at=now,
    )
    session.add(reward)
    session.flush()
    add_event(
        session, tipoff, "reward", actor_of(user), at=now, public=msg("已提议奖励，待复核审批")
    )
    _audit(session, user, "propose", reward, outcome=outcome, amount=value, band=band)
    return reward


def _decidable(session: Session, user: User, tipoff_id: int) -> tuple[TipOff, Reward]:
    tipoff = get_tipoff(session, user, tipoff_id, lock=True)
    reward = _reward_of(session, tipoff.id, lock=True)
    return tipoff, reward


def _still_due(session: Session, tipoff: TipOff) -> None:
    """Approval and payment re-check the case: reopened since the proposal, or an earlier
    report merged into it (first-reporter rule), and the reward must wait or be declined."""
    root = case_of(session, tipoff)
    if root.status != "closed" or root.substantiated is not True:
        raise Conflict(msg("举报已重新处理，须再次办结且经查属实后才能批准或发放奖励"))
    if reward_rules().first_reporter_only:
        first = case_reports(session, root)[0]
        if first.id != tipoff.id:
            raise Conflict(
                msg("按首报规则，本案只奖励最先举报的 %(code)s", code=first.tracking_code)
            )


def approve_reward(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Reward:
    """A second officer approves the proposal (never its proposer)."""
    tipoff, reward = _decidable(session, user, tipoff_id)
    if reward.proposer_id == user.id:
        raise Forbidden(msg("不能审批自己提出的奖励（双人复核）"))
    if reward.status != "proposed":
        raise Conflict(msg("该奖励已处理"))
    _still_due(session, tipoff)
    now = now or utcnow()
    reward.status, reward.approver_id, reward.decided_at = "approved", user.id, now
    reward.decision_note = note_text(note, "note", required=False, high=2000)
    session.flush()
    add_event(
        session,
        tipoff,
        "reward",
        actor_of(user),
        at=now,
        public=msg("奖励已批准：%(amount)s 元，请在举报查询页填写领取信息", amount=reward.amount),
    )
    _audit(session, user, "approve", reward, amount=reward.amount)
    return reward


def decline_reward(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> Reward:
    """Decline with a reason the reporter sees: a proposal (by a second officer only), or an
    approved reward that cannot be paid."""
    tipoff, reward = _decidable(session, user, tipoff_id)
    if reward.status not in ("proposed", "approved"):
        raise Conflict(msg("该奖励已处理"))
    if reward.status == "proposed" and reward.proposer_id == user.id:
        raise Forbidden(msg("不能审批自己提出的奖励（双人复核）"))
    text = note_text(reason, "reason", required=True, high=2000)
    now = now or utcnow()
    if reward.status == "proposed":
        reward.approver_id, reward.decided_at = user.id, now
    reward.status, reward.decline_reason, reward.declined_by = "declined", text, user.id
    session.flush()
    add_event(
        session,
        tipoff,
        "reward",
        actor_of(user),
        at=now,
        public=msg("不予奖励：%(reason)s", reason=text),
    )
    _audit(session, user, "decline", reward)
    return reward


def paid_this_year(session: Session, id_key: str, year: int) -> int:
    """Yuan paid in ``year`` (China time) to the person with this keyed ID number."""
    rows = session.execute(
        select(Reward.amount, Reward.paid_at)
        .join(RewardPayee, RewardPayee.reward_id == Reward.id)
        .where(RewardPayee.id_key == id_key, Reward.status == "paid")
    ).all()
    return sum(a for a, at in rows if at is not None and local_date(at).year == year)


def pay_reward(
    session: Session,
    user: User,
    tipoff_id: int,
    *,
    reference: str,
    now: dt.datetime | None = None,
) -> Reward:
    """Record the payment of an approved reward whose reporter has given payment details,
    within the annual cap per reporter."""
    rules = reward_rules()
    tipoff, reward = _decidable(session, user, tipoff_id)
    if reward.status != "approved":
        raise Conflict(msg("只有已批准的奖励才能发放"))
    _still_due(session, tipoff)
    payee = session.scalar(select(RewardPayee).where(RewardPayee.reward_id == reward.id))
    if payee is None:
        raise Conflict(msg("举报人尚未提交领取信息"))
    text = note_text(reference, "reference", required=True, high=100)
    now = now or utcnow()
    paid = paid_this_year(session, payee.id_key, local_date(now).year)
    if paid + reward.amount > rules.annual_cap_per_reporter:
        raise Conflict(
            msg(
                "超过每人每年奖励上限 %(cap)s 元（本年度已发放 %(paid)s 元）",
                cap=rules.annual_cap_per_reporter,
                paid=paid,
            )
        )
    reward.status, reward.payment_reference = "paid", text
    reward.paid_by, reward.paid_at = user.id, now
    session.flush()
    add_event(session, tipoff, "reward", actor_of(user), at=now, public=msg("奖励已发放"))
    _audit(session, user, "pay", reward, amount=reward.amount, reference=text)
    return reward


def reward_panel(session: Session, user: User, tipoff_id: int) -> dict[str, Any]:
    """The regulator's tip-off page: the reward (with the payee for its handling officers),
    or whether and how much may be proposed."""
    rules = reward_rules()
    tipoff = get_tipoff(session, user, tipoff_id)
    reward = session.scalar(select(Reward).where(Reward.tipoff_id == tipoff.id))
    root = case_of(session, tipoff)
    handling = reward is not None and user.id in {
        tipoff.assigned_to,
        reward.proposer_id,
        reward.approver_id,
    }
    payee = (
        session.scalar(select(RewardPayee).where(RewardPayee.reward_id == reward.id))
        if reward is not None and handling
        else None
    )
    submitted = reward is not None and (
        payee is not None
        or session.scalar(select(RewardPayee.id).where(RewardPayee.reward_id == reward.id))
        is not None
    )
    return {
        "reward": reward,
        #: the real-name payment details: only for the report's handling officers (its
        #: assignee, the reward's proposer and approver)
        "payee": payee,
        "payee_submitted": submitted,
        "handling": handling,
        "status_name": STATUS_NAMES[reward.status] if reward else None,
        "why_not": eligibility(session, tipoff, rules) if reward is None else None,
        "outcomes": rules.outcomes,
        "bands": rules.bands.get(root.severity or "", {}),
        "case_left": rules.per_case_cap - reserved_for_case(session, root.id),
        "mine": reward is not None and reward.proposer_id == user.id,
        "rules": rules,
        "severity": root.severity,
        "names": _officer_names(session, reward),
    }


def _officer_names(session: Session, reward: Reward | None) -> dict[int, str]:
    """The officers named on a reward (timelines show names, not ``user:1``)."""
    if reward is None:
        return {}
    ids = {reward.proposer_id, reward.approver_id, reward.declined_by, reward.paid_by} - {None}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    return {uid: name for uid, name in rows}


def reporter_view(session: Session, tipoff: TipOff) -> dict[str, Any] | None:
    """What the reporter sees of their own reward with code + secret (None: no reward)."""
    reward = session.scalar(select(Reward).where(Reward.tipoff_id == tipoff.id))
    if reward is None:
        return None
    submitted = session.scalar(select(RewardPayee.id).where(RewardPayee.reward_id == reward.id))
    shown = reward.status in ("approved", "paid")
    return {
        "status": reward.status,
        "status_name": STATUS_NAMES[reward.status],
        "amount": reward.amount if shown else None,
        "decline_reason": reward.decline_reason if reward.status == "declined" else None,
        "payee_submitted": submitted is not None,
        "may_claim": reward.status == "approved",
    }


def tracked_view(
    session: Session, code: str | None, secret: str | None, today: dt.date | None = None
) -> dict[str, Any]:
    """The tracking page's view (code + secret) with the reporter's own reward, if any."""
    tipoff = find_tracked(session, code, secret)
    view = public_view(session, tipoff, today)
    view["reward"] = reporter_view(session, tipoff)
    return view


def awaiting(session: Session, user: User) -> dict[str, list[dict[str, Any]]]:
    """Rewards in my region awaiting my approval (proposed by someone else) and approved
    rewards awaiting payment (with whether the reporter has given payment details)."""
    rows = session.execute(
        select(Reward, TipOff.tracking_code, TipOff.region_code)
        .join(TipOff, TipOff.id == Reward.tipoff_id)
        .where(Reward.status.in_(("proposed", "approved")))
        .order_by(Reward.proposed_at, Reward.id)
    ).all()
    payees = set(
        session.scalars(
            select(RewardPayee.reward_id).where(
                RewardPayee.reward_id.in_([r.id for r, _, _ in rows])
            )
        )
    )
    approve: list[dict[str, Any]] = []
    pay: list[dict[str, Any]] = []
    for reward, code, region in rows:
        if not in_scope(user, region):
            continue
        item = {"reward": reward, "code": code, "payee_submitted": reward.id in payees}
        if reward.status == "proposed" and reward.proposer_id != user.id:
            approve.append(item)
        elif reward.status == "approved":
            pay.append(item)
    return {"approve": approve, "pay": pay}
