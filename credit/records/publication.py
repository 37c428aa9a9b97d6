"""When a penalty is public: publication periods, repair eligibility (NDRC credit-repair rules)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, and_, or_

from credit.records.models import Penalty

#: default publication period by severity, from the decision date
PUBLISH_PERIOD = {
    "minor": relativedelta(months=3),
    "general": relativedelta(years=1),
    "grave": relativedelta(years=3),
}
#: minimum period before credit repair may be applied for
MIN_PERIOD = {"general": relativedelta(months=3), "grave": relativedelta(years=1)}
#: 特定严重失信: a grave penalty with one of these kinds is not repairable
NON_REPAIRABLE_KINDS = ("责令停产停业", "责令关闭", "吊销许可证", "吊销许可证件")


class PenaltyLike(Protocol):
    severity: str
    decision_date: dt.date
    publish_until: dt.date
    repaired_at: dt.date | None
    revoked_at: dt.date | None
    penalty_kinds: str


def add_period(day: dt.date, period: relativedelta) -> dt.date:
    """Calendar arithmetic that clamps to the month's end (2025-11-30 + 3 months = 2026-02-28)."""
    return day + period


def default_publish_until(severity: str, decision_date: dt.date) -> dt.date:
    """公示截止期 when none is given: +3 months minor, +1 year general, +3 years grave."""
    return add_period(decision_date, PUBLISH_PERIOD[severity])


def is_public(penalty: PenaltyLike, on: dt.date) -> bool:
    """True while the penalty is shown publicly on ``on``."""
    if penalty.revoked_at is not None and penalty.revoked_at <= on:
        return False
    if penalty.repaired_at is not None and penalty.repaired_at <= on:
        return False
    return penalty.decision_date <= on < penalty.publish_until


def public_on(on: dt.date) -> ColumnElement[bool]:
    """SQL for :func:`is_public`: the penalty rows shown publicly on ``on``."""
    return and_(
        Penalty.decision_date <= on,
        Penalty.publish_until > on,
        or_(Penalty.revoked_at.is_(None), Penalty.revoked_at > on),
        or_(Penalty.repaired_at.is_(None), Penalty.repaired_at > on),
    )


def is_repairable(penalty: PenaltyLike) -> bool:
    """False for minor penalties (never long published) and 特定严重失信 grave ones."""
    if penalty.severity not in MIN_PERIOD:
        return False
    kinds = set(penalty.penalty_kinds.split(";"))
    return not (penalty.severity == "grave" and kinds & set(NON_REPAIRABLE_KINDS))


def repair_eligible_from(penalty: PenaltyLike) -> dt.date | None:
    """The first day credit repair may be applied for, or None if never."""
    if not is_repairable(penalty):
        return None
    return add_period(penalty.decision_date, MIN_PERIOD[penalty.severity])
