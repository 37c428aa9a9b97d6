"""The pledge text (configuration: ``credit/pledges/pledge.toml``) and signing it.

A manager signs for the current China year; one pledge per enterprise and year (the
database's unique key says so too). A signed pledge is public data: it enters the change log
(so mirrors see it, and rescoring re-rates the enterprise: a rulebook's ``[pledge]`` rule
may give it points).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.errors import Conflict, Forbidden, Invalid
from core.messages import msg
from core.users import User
from credit.pledges.models import CreditPledge
from credit.tipoffs.timeline import clean_text

PLEDGE_FILE = Path(__file__).parent / "pledge.toml"


@dataclass(frozen=True)
class PledgeText:
    version: str
    title: str
    paragraphs: tuple[str, ...]


@lru_cache(maxsize=4)
def pledge_text(path: Path = PLEDGE_FILE) -> PledgeText:
    """The configured pledge: version, title and paragraphs (ValueError naming the file)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    version, title, text = data.get("version"), data.get("title"), data.get("text")
    if not all(isinstance(v, str) and v.strip() for v in (version, title, text)):
        raise ValueError(f"{path.name}: version, title and text are required strings")
    assert isinstance(version, str) and isinstance(title, str) and isinstance(text, str)
    paragraphs = tuple(p.strip() for p in text.split("\n\n") if p.strip())
    return PledgeText(version.strip(), title.strip(), paragraphs)


def pledge_of(session: Session, enterprise_id: int, year: int) -> CreditPledge | None:
    """The enterprise's pledge for ``year`` (None: not signed)."""
    return session.scalar(
        select(CreditPledge).where(
            CreditPledge.enterprise_id == enterprise_id, CreditPledge.year == year
        )
    )


def sign_pledge(
    session: Session, user: User, *, name: str, version: str, agreed: bool, today: dt.date
) -> CreditPledge:
    """A manager signs the current pledge text for ``today``'s year."""
    if user.role != "enterprise_manager" or user.enterprise_id is None or not user.active:
        raise Forbidden(msg("只有企业管理员可以签署信用承诺"))
    current = pledge_text()
    if version != current.version:
        raise Conflict(msg("承诺书内容已更新，请重新阅读后签署"))
    signer = clean_text(name)
    if not 2 <= len(signer) <= 100:
        raise Invalid(msg("请填写签署人姓名（2–100 字）"), {"name": [msg("请填写签署人姓名")]})
    if not agreed:
        message = msg("请勾选“本企业已阅读并同意以上承诺”")
        raise Invalid(message, {"agree": [message]})
    if pledge_of(session, user.enterprise_id, today.year) is not None:
        raise Conflict(msg("本企业已签署 %(year)s 年度信用承诺", year=today.year))
    pledge = CreditPledge(
        enterprise_id=user.enterprise_id,
        year=today.year,
        version=current.version,
        signer_name=signer,
        signed_by=user.id,
        signed_on=today,
    )
    session.add(pledge)
    session.flush()
    record_change(session, CreditPledge.entity, pledge.id, enterprise_id=pledge.enterprise_id)
    audit(
        session,
        f"user:{user.id}",
        "pledge.signed",
        f"pledge:{pledge.id}",
        {"year": pledge.year, "version": pledge.version},
    )
    return pledge


def pledge_page(
    session: Session, user: User, today: dt.date
) -> tuple[PledgeText, CreditPledge | None]:
    """The pledge text and the enterprise's pledge for this year (its users only)."""
    if user.enterprise_id is None:
        raise Forbidden(msg("只有企业账户可以访问此页面"))
    return pledge_text(), pledge_of(session, user.enterprise_id, today.year)
