"""The rewarded reporter's payment details, given with code + secret once a reward is
approved: real name, ID number and a bank account or a mobile number.

They are stored apart (``reward_payees``) and shown only on the regulators' tip-off page;
errors never repeat what was typed, and the audit entry names the reward only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import utcnow
from core.errors import Conflict, Invalid
from core.keyed_hash import hash_token
from core.messages import Msg, msg
from credit.rewards.models import PAYMENT_METHODS, Reward, RewardPayee
from credit.tipoffs.codes import find_tracked
from credit.tipoffs.timeline import add_event, clean_text

ID_PURPOSE = "reward-payee-id"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID = re.compile(r"^[1-9]\d{16}[\dX]$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_ACCOUNT = re.compile(r"^\d{12,30}$")


def valid_id_number(value: str) -> bool:
    """An 18-character resident ID number (GB 11643-1999) with a correct check character."""
    if not _ID.match(value):
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == value[17]


@dataclass(frozen=True)
class PayeeInput:
    """The claim form's fields, as typed."""

    name: str
    id_number: str
    method: str
    account: str
    bank_name: str = ""


def _clean(data: PayeeInput) -> tuple[str, str, str, str, str | None]:
    errors: dict[str, list[Msg]] = {}
    name = clean_text(data.name)
    id_number = clean_text(data.id_number).replace(" ", "").upper()
    method = clean_text(data.method)
    account = re.sub(r"[\s-]", "", clean_text(data.account))
    bank = clean_text(data.bank_name) or None
    if not 2 <= len(name) <= 50:
        errors["name"] = [msg("请填写身份证上的姓名（2–50 字）")]
    if not valid_id_number(id_number):
        errors["id_number"] = [msg("身份证号码格式不正确")]
    if method not in PAYMENT_METHODS:
        errors["method"] = [msg("请选择领取方式")]
    elif method == "bank":
        if not _ACCOUNT.match(account):
            errors["account"] = [msg("银行账号须为 12–30 位数字")]
        if bank is None or not 2 <= len(bank) <= 100:
            errors["bank_name"] = [msg("请填写开户银行")]
    elif not _PHONE.match(account):
        errors["account"] = [msg("手机号码须为 11 位数字")]
    if errors:
        raise Invalid(msg("领取信息有误"), errors)
    return name, id_number, method, account, bank if method == "bank" else None


def submit_payee(
    session: Session, code: str, secret: str, data: PayeeInput, *, now: dt.datetime | None = None
) -> Reward:
    """The reporter (named or anonymous) gives, or corrects before payment, the details
    needed to pay an approved reward."""
    tipoff = find_tracked(session, code, secret, lock=True)
    reward = session.scalar(select(Reward).where(Reward.tipoff_id == tipoff.id))
    if reward is None or reward.status != "approved":
        raise Conflict(msg("奖励批准后才能填写领取信息"))
    name, id_number, method, account, bank = _clean(data)
    now = now or utcnow()
    payee = session.scalar(select(RewardPayee).where(RewardPayee.reward_id == reward.id))
    first = payee is None
    if payee is None:
        payee = RewardPayee(reward_id=reward.id)
        session.add(payee)
    payee.name, payee.id_number, payee.id_key = name, id_number, hash_token(id_number, ID_PURPOSE)
    payee.method, payee.account, payee.bank_name = method, account, bank
    payee.submitted_at = now
    session.flush()
    add_event(
        session,
        tipoff,
        "reward",
        "reporter",
        at=now,
        public=msg("已提交领取奖励信息") if first else msg("已更正领取奖励信息"),
    )
    audit(session, "public", "reward.claim", f"reward:{reward.id}", {"tipoff": tipoff.id})
    return reward
