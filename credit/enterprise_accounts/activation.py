"""Issuing and using activation codes; an enterprise's users.

A regulator of the enterprise's region (or ``flask enterprises invite USCC``) issues a
manager's code; a manager issues codes for more users (managers or filers) of the same
enterprise. A code is shown once, stored as a keyed hash, used once and expires after
``ACTIVATION_DAYS``. Activating asks for the legal representative's name as the registry
shows it, so a code alone (read over a shoulder, or from a lost letter) is not enough.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.accounts import set_active
from core.audit import audit
from core.db import utcnow
from core.errors import Forbidden, Invalid, NotFound
from core.keyed_hash import hash_token
from core.messages import msg
from core.users import ENTERPRISE_ROLES, User, create_user
from credit.enterprise_accounts.models import ActivationCode
from credit.records.models import Enterprise

ACTIVATION_DAYS = 14
PURPOSE = "enterprise-activation"
#: letters and digits that cannot be misread for one another (no 0/O, 1/I/L)
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ROLE_NAMES = {"enterprise_manager": "企业管理员", "enterprise_filer": "填报人员"}


def normalise_code(code: str) -> str:
    """A code as typed: case, spaces and dashes do not matter."""
    return "".join(c for c in code.upper() if c.isalnum())


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def enterprise_by_uscc(session: Session, uscc: str) -> Enterprise:
    found = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))
    if found is None:
        raise NotFound(msg("未找到统一社会信用代码为 %(uscc)s 的企业", uscc=uscc.strip()[:18]))
    return found


def issue_code(
    session: Session, enterprise: Enterprise, role: str, actor: str, now: dt.datetime | None = None
) -> str:
    """A new one-time code for an account of ``role``; the plain code is returned once."""
    if role not in ENTERPRISE_ROLES:
        raise Invalid(msg("未知角色：%(role)s", role=role), {"role": [", ".join(ENTERPRISE_ROLES)]})
    now = now or utcnow()
    code = _new_code()
    session.add(
        ActivationCode(
            enterprise_id=enterprise.id,
            role=role,
            code_hash=hash_token(normalise_code(code), PURPOSE),
            issued_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=ACTIVATION_DAYS),
        )
    )
    session.flush()
    audit(session, actor, "enterprise.code_issued", f"enterprise:{enterprise.uscc}", {"role": role})
    return code


def regulator_issues_code(session: Session, regulator: User, uscc: str) -> tuple[Enterprise, str]:
    """A regulator issues a manager's code for an enterprise of their region."""
    enterprise = enterprise_by_uscc(session, uscc)
    if not regulator.may_act_in(enterprise.region_code):
        raise Forbidden(msg("该企业不在您的管辖区域内"))
    return enterprise, issue_code(session, enterprise, "enterprise_manager", f"user:{regulator.id}")


def manager_issues_code(session: Session, manager: User, role: str) -> str:
    """An enterprise's manager issues a code for another user of the same enterprise."""
    if manager.role != "enterprise_manager" or manager.enterprise_id is None:
        raise Forbidden(msg("只有企业管理员可以添加用户"))
    enterprise = session.get(Enterprise, manager.enterprise_id)
    assert enterprise is not None  # the foreign key
    return issue_code(session, enterprise, role, f"user:{manager.id}")


def _same_name(given: str, registered: str | None) -> bool:
    def norm(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    return registered is not None and norm(given) == norm(registered) and bool(norm(given))


def activate(
    session: Session,
    *,
    uscc: str,
    code: str,
    legal_representative: str,
    name: str,
    email: str,
    password: str,
    now: dt.datetime | None = None,
) -> User:
    """Open the account a code stands for: the code must be the enterprise's, unused and
    unexpired, and the legal representative's name the registry's. The code is spent in
    the same transaction (two browsers racing with one code: one wins)."""
    now = now or utcnow()
    enterprise = enterprise_by_uscc(session, uscc)
    row = session.scalar(
        select(ActivationCode).where(
            ActivationCode.code_hash == hash_token(normalise_code(code), PURPOSE),
            ActivationCode.enterprise_id == enterprise.id,
        )
    )
    refused = msg("激活码无效、已使用或已过期")
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Invalid(refused, {"activation_code": [refused]})
    if not _same_name(legal_representative, enterprise.legal_representative):
        wrong = msg("法定代表人姓名与登记信息不一致")
        raise Invalid(wrong, {"legal_representative": [wrong]})
    if not name.strip():
        raise Invalid(msg("请填写姓名"), {"name": [msg("请填写姓名")]})
    user = create_user(
        session,
        email=email,
        name=name[:100],
        role=row.role,
        region_code=enterprise.region_code,
        password=password,
        enterprise_id=enterprise.id,
    )
    spent = session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == row.id, ActivationCode.used_at.is_(None))
        .values(used_at=now, used_by=user.id)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise Invalid(refused, {"activation_code": [refused]})
    audit(
        session,
        f"user:{user.id}",
        "enterprise.activated",
        f"enterprise:{enterprise.uscc}",
        {"role": row.role, "code": row.id},
    )
    return user


def members(session: Session, user: User) -> list[User]:
    """The users of ``user``'s enterprise, by e-mail."""
    return list(
        session.scalars(
            select(User).where(User.enterprise_id == user.enterprise_id).order_by(User.email)
        )
    )


def set_member_active(session: Session, manager: User, member_id: int, active: bool) -> User:
    """A manager (de)activates another user of the same enterprise."""
    if manager.role != "enterprise_manager":
        raise Forbidden(msg("只有企业管理员可以管理用户"))
    member = session.get(User, member_id)
    if member is None or member.enterprise_id != manager.enterprise_id:
        raise NotFound(msg("没有编号为 %(id)s 的用户", id=member_id))
    if member.id == manager.id:
        raise Forbidden(msg("不能停用自己的账户"))
    set_active(session, member, active, f"user:{manager.id}")  # ends its sessions too
    session.flush()
    return member
