"""What the platform already holds for an annual report: the enterprise, its permits in force
during the year with their annual limits, its emission accounts, the monitoring network's
totals, its published penalties of the year and its current rating.

The form starts from these (the emissions table from the accounts), the plausibility check
compares the reported emissions with them, and submission freezes them into the snapshot.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.clock import CHINA
from credit.monitoring.models import CN_DAILY, CN_HOURLY, VALID_FLAGS, Outlet, Reading
from credit.monitoring.pollutants import POLLUTANTS
from credit.ratings.models import CreditRating
from credit.records.emissions import TONNES_QUANTUM
from credit.records.models import EmissionAccount, Enterprise, Penalty, Permit
from credit.records.permits import is_revoked
from credit.records.publication import is_public

#: HJ 212 ``-Cou`` totals of pollutants are kilograms (HJ 212-2017 附录); reports are tonnes
KG_PER_TONNE = Decimal(1000)
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def pollutant_key(name: str) -> str:
    """A pollutant name compared loosely: case, spaces and subscripts ignored (SO₂ = so2)."""
    return "".join(name.translate(_SUBSCRIPTS).split()).lower()


#: HJ 212 code of a pollutant as accounts and permits name it (by its name or formula)
HJ212_CODES = {
    pollutant_key(text): code
    for code, (name, formula, _unit) in POLLUTANTS.items()
    for text in (name, formula)
}


def tonnes_text(value: Decimal | float | str) -> str:
    """Tonnes as the records hold them: four decimals (0.1 kg)."""
    return str(Decimal(str(value)).quantize(TONNES_QUANTUM))


def _year_span(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, 1, 1, tzinfo=CHINA)
    return start, start.replace(year=year + 1)


def permits_of_year(session: Session, enterprise_id: int, year: int) -> list[dict[str, Any]]:
    """Permits in force at some time of ``year``, with their annual limits (tonnes)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = session.scalars(
        select(Permit)
        .where(
            Permit.enterprise_id == enterprise_id,
            Permit.valid_from <= last,
            Permit.valid_until >= first,
        )
        .options(selectinload(Permit.limits))
        .order_by(Permit.valid_from, Permit.permit_no)
    )
    return [
        {
            "permit_no": p.permit_no,
            "category": p.category,
            "valid_from": p.valid_from.isoformat(),
            "valid_until": p.valid_until.isoformat(),
            "revoked": is_revoked(p, first),
            "limits": [
                {"pollutant": lim.pollutant, "tonnes": tonnes_text(lim.annual_limit_tonnes)}
                for lim in p.limits
            ],
        }
        for p in rows
        if not is_revoked(p, first)
    ]


def permit_limits(permits: list[dict[str, Any]]) -> dict[str, Decimal]:
    """The permitted annual quantity per pollutant (the largest of the year's permits: a
    renewed permit replaces the old one, it does not add to it)."""
    out: dict[str, Decimal] = {}
    for permit in permits:
        for lim in permit["limits"]:
            key = pollutant_key(lim["pollutant"])
            out[key] = max(out.get(key, Decimal(0)), Decimal(lim["tonnes"]))
    return out


def emission_accounts(session: Session, enterprise_id: int, year: int) -> list[dict[str, str]]:
    """The year's accounted emissions (产排污系数法), per pollutant."""
    rows = session.scalars(
        select(EmissionAccount)
        .where(EmissionAccount.enterprise_id == enterprise_id, EmissionAccount.year == year)
        .order_by(EmissionAccount.pollutant)
    )
    return [{"pollutant": a.pollutant, "tonnes": tonnes_text(a.emitted_tonnes)} for a in rows]


def monitored_totals(session: Session, enterprise_id: int, year: int) -> dict[str, Decimal]:
    """The monitoring network's total per HJ 212 pollutant code over the year (China time),
    in tonnes: the sum of the valid hourly totals of the enterprise's outlets (daily totals
    when a pollutant has no hourly ones)."""
    start, end = _year_span(year)
    outlets = select(Outlet.mn).where(Outlet.enterprise_id == enterprise_id)
    rows = session.execute(
        select(Reading.cn, Reading.pollutant, func.sum(Reading.total))
        .where(
            Reading.mn.in_(outlets),
            Reading.cn.in_((CN_HOURLY, CN_DAILY)),
            Reading.time >= start,
            Reading.time < end,
            Reading.flag.in_(VALID_FLAGS),
            Reading.total.is_not(None),
        )
        .group_by(Reading.cn, Reading.pollutant)
    ).all()
    sums: dict[str, dict[int, float | None]] = {}
    for cn, code, total in rows:
        sums.setdefault(code, {})[cn] = total
    return {
        code: (Decimal(str(by_cn.get(CN_HOURLY, by_cn.get(CN_DAILY, 0)))) / KG_PER_TONNE)
        for code, by_cn in sums.items()
    }


def penalties_of_year(
    session: Session, enterprise_id: int, year: int, today: dt.date
) -> list[dict[str, Any]]:
    """The enterprise's penalties decided in ``year`` and public ``today``."""
    rows = session.scalars(
        select(Penalty)
        .where(
            Penalty.enterprise_id == enterprise_id,
            Penalty.decision_date >= dt.date(year, 1, 1),
            Penalty.decision_date <= dt.date(year, 12, 31),
        )
        .order_by(Penalty.decision_date)
    )
    return [
        {
            "decision_no": p.decision_no,
            "decision_date": p.decision_date.isoformat(),
            "authority": p.authority,
            "violation_type": p.violation_type,
        }
        for p in rows
        if is_public(p, today)
    ]


def current_rating(session: Session, enterprise_id: int) -> dict[str, Any] | None:
    """The platform's current rating of the enterprise (环境信用评价)."""
    r = session.scalar(
        select(CreditRating).where(
            CreditRating.enterprise_id == enterprise_id, CreditRating.is_current.is_(True)
        )
    )
    if r is None:
        return None
    return {
        "level": r.level,
        "score": r.score,
        "as_of": r.as_of.isoformat(),
        "rulebook": r.rulebook_version,
    }


def held_records(session: Session, ent: Enterprise, year: int, today: dt.date) -> dict[str, Any]:
    """Everything the platform holds for ``ent``'s report of ``year`` (JSON-ready)."""
    monitored = monitored_totals(session, ent.id, year)
    return {
        "enterprise": {
            "uscc": ent.uscc,
            "name": ent.name,
            "legal_representative": ent.legal_representative,
            "address": ent.address,
            "region_code": ent.region_code,
            "industry_code": ent.industry_code,
            "permit_category": ent.permit_category,
        },
        "permits": permits_of_year(session, ent.id, year),
        "emissions": emission_accounts(session, ent.id, year),
        "monitored": {code: tonnes_text(t) for code, t in monitored.items()},
        "penalties": penalties_of_year(session, ent.id, year, today),
        "rating": current_rating(session, ent.id),
    }


def first_answers(records: dict[str, Any]) -> dict[str, Any]:
    """A new draft's answers: the enterprise's registered details and its accounted
    emissions of the year."""
    ent = records["enterprise"]
    return {
        "basic": {
            "name": ent["name"] or "",
            "legal_representative": ent["legal_representative"] or "",
            "address": ent["address"] or "",
        },
        "pollution": {"emissions": [dict(row) for row in records["emissions"]]},
    }
