"""Public monthly statistics: tip-offs received, closed and closed on time, by region and
category, and current ratings by level and region. Months are counted in Beijing time.

Only counts leave this module; a report merged into another (duplicate) counts as received
but not as closed, so merging cannot flatter the on-time rate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from core.clock import CHINA, local_date
from core.errors import Invalid
from core.messages import msg
from core.reference import Region
from credit.ratings.levels import LEVEL_NAMES, LEVELS
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise
from credit.tipoffs.models import TipOff
from credit.tipoffs.vocabulary import CATEGORY_NAMES

SERIES_MONTHS = 12
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, today: dt.date) -> tuple[int, int]:
    """``2026-07`` → (2026, 7); empty means the current month. Invalid otherwise."""
    if not value:
        return today.year, today.month
    match = _MONTH_RE.fullmatch(value.strip())
    if not match or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
        message = msg("月份格式应为 YYYY-MM（2000–2100 年）")
        raise Invalid(message, {"month": [message]})
    return int(match[1]), int(match[2])


def _shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The month as [start, end) instants (Beijing midnight to Beijing midnight)."""
    ny, nm = _shift(year, month, 1)
    return (
        dt.datetime(year, month, 1, tzinfo=CHINA).astimezone(dt.UTC),
        dt.datetime(ny, nm, 1, tzinfo=CHINA).astimezone(dt.UTC),
    )


def _rate(on_time: int, closed: int) -> float | None:
    return round(on_time / closed, 4) if closed else None


def _region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    codes = set(codes)
    if not codes:
        return {}
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


def region_groups(
    session: Session, codes: Iterable[str | None]
) -> dict[str | None, tuple[str, str]]:
    """Each code → its prefecture (or, for municipalities, its province) with a name;
    unplaced reports (no region yet) form one group of their own."""
    placed = {c for c in codes if c}
    candidates = {c[:4] + "00" for c in placed} | {c[:2] + "0000" for c in placed}
    names = _region_names(session, candidates)
    out: dict[str | None, tuple[str, str]] = {None: ("", "待分派")}
    for code in placed:
        key = next((k for k in (code[:4] + "00", code[:2] + "0000") if k in names), code)
        out[code] = (key, names.get(key, key))
    return out


def province_groups(session: Session, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each group key (a prefecture or province code; "" for unplaced) → its province's
    code and name, for tables grouped by province."""
    codes = {k[:2] + "0000" for k in keys if k}
    names = _region_names(session, codes)
    out: dict[str, tuple[str, str]] = {"": ("", "待分派")}
    for key in keys:
        if key:
            code = key[:2] + "0000"
            out[key] = (code, names.get(code, code))
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _bucket() -> dict[str, int]:
    return {"received": 0, "closed": 0, "closed_on_time": 0}


def _rows(
    groups: dict[str, dict[str, int]], key: str, names: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            key: k,
            f"{key.split('_')[0]}_name": names.get(k, k),
            **v,
            "on_time_rate": _rate(v["closed_on_time"], v["closed"]),
        }
        for k, v in sorted(groups.items())
    ]


def _tipoff_counts(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    regions: dict[str, dict[str, int]] = defaultdict(_bucket)
    categories: dict[str, dict[str, int]] = defaultdict(_bucket)
    received = session.execute(
        select(TipOff.region_code, TipOff.category, func.count())
        .where(TipOff.created_at >= start, TipOff.created_at < end)
        .group_by(TipOff.region_code, TipOff.category)
    ).all()
    closed = session.execute(
        select(TipOff.region_code, TipOff.category, TipOff.closed_at, TipOff.due_at).where(
            TipOff.status == "closed",
            TipOff.duplicate_of_id.is_(None),
            TipOff.closed_at >= start,
            TipOff.closed_at < end,
        )
    ).all()
    grouping = region_groups(session, {r[0] for r in received} | {r[0] for r in closed})
    region_names = {key: name for key, name in grouping.values()}
    for code, category, count in received:
        regions[grouping[code][0]]["received"] += count
        categories[category]["received"] += count
    for code, category, closed_at, due_at in closed:
        assert closed_at is not None  # the query keeps closed_at >= start only
        on_time = int(local_date(closed_at) <= due_at)
        for bucket in (regions[grouping[code][0]], categories[category]):
            bucket["closed"] += 1
            bucket["closed_on_time"] += on_time
    totals = {k: sum(c[k] for c in categories.values()) for k in _bucket()}
    by_region = _rows(regions, "region_code", region_names)
    by_category = _rows(categories, "category", CATEGORY_NAMES)
    provinces = province_groups(session, regions)
    for row in by_region:
        row["province_code"], row["province_name"] = provinces[row["region_code"]]
    for row in (*by_region, *by_category):
        row["share"] = _share(row["received"], totals["received"])
    return {
        **totals,
        "on_time_rate": _rate(totals["closed_on_time"], totals["closed"]),
        "by_region": by_region,
        "by_category": by_category,
    }


def rating_counts(session: Session) -> dict[str, Any]:
    """Current published ratings by level, and by region and level."""
    rows = session.execute(
        select(Enterprise.region_code, CreditRating.level, func.count())
        .join(CreditRating, CreditRating.enterprise_id == Enterprise.id)
        .where(CreditRating.is_current)
        .group_by(Enterprise.region_code, CreditRating.level)
    ).all()
    grouping = region_groups(session, {r[0] for r in rows})
    by_level = dict.fromkeys(LEVELS, 0)
    regions: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    for code, level, count in rows:
        by_level[level] = by_level.get(level, 0) + count
        regions[grouping[code][0]][level] = regions[grouping[code][0]].get(level, 0) + count
    names = {key: name for key, name in grouping.values()}
    provinces = province_groups(session, regions)
    return {
        "by_level": [
            {
                "level": lv,
                "level_name": LEVEL_NAMES.get(lv, lv),
                "count": n,
                "share": _share(n, sum(by_level.values())),
            }
            for lv, n in by_level.items()
        ],
        "by_region": [
            {
                "region_code": code,
                "region_name": names.get(code, code),
                "province_code": provinces[code][0],
                "province_name": provinces[code][1],
                "counts": counts,
                "total": sum(counts.values()),
                "shares": {lv: _share(n, sum(counts.values())) for lv, n in counts.items()},
            }
            for code, counts in sorted(regions.items())
        ],
    }


def monthly_series(
    session: Session, year: int, month: int, months: int = SERIES_MONTHS
) -> list[dict[str, Any]]:
    """Received and closed per month for the ``months`` months ending with the given one."""
    spans = [
        (_shift(year, month, -i), month_bounds(*_shift(year, month, -i)))
        for i in reversed(range(months))
    ]

    def sums(column: Any, *extra: Any) -> list[int]:
        cols = [func.sum(case((and_(column >= s, column < e), 1), else_=0)) for _, (s, e) in spans]
        row = session.execute(
            select(*cols).where(column >= spans[0][1][0], column < spans[-1][1][1], *extra)
        ).one()
        return [int(v or 0) for v in row]

    received = sums(TipOff.created_at)
    closed = sums(TipOff.closed_at, TipOff.status == "closed", TipOff.duplicate_of_id.is_(None))
    return [
        {"month": f"{y:04d}-{m:02d}", "received": r, "closed": c}
        for ((y, m), _), r, c in zip(spans, received, closed, strict=True)
    ]


def monthly_statistics(
    session: Session, month: str | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """The public statistics of one month (default: the current month)."""
    today = today or local_date(dt.datetime.now(dt.UTC))
    year, mon = parse_month(month, today)
    start, end = month_bounds(year, mon)
    return {
        "month": f"{year:04d}-{mon:02d}",
        **_tipoff_counts(session, start, end),
        "series": monthly_series(session, year, mon),
        "ratings": rating_counts(session),
    }
