"""Pure, deterministic demo-data generator: the same seed and size give the same rows."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from core.reference import uscc_check_char
from credit.demo import names
from credit.records.emissions import emitted_tonnes
from credit.records.publication import default_publish_until

#: all dates are relative to this fixed day, never today, so data do not drift
REF = dt.date(2026, 11, 1)
SEVERITIES = ("minor", "general", "grave")
Rows = dict[str, list[dict[str, Any]]]


@dataclass
class Places:
    """Where enterprises are: per seed place, its county codes (from the reference table)."""

    counties: dict[str, list[str]]
    industries: dict[str, list[str]]


@dataclass
class Counters:
    """Next id per table, so ids are assigned in enterprise order."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max((end - start).days, 1)))


def make_uscc(county: str, index: int, seed: int) -> str:
    """A valid, unique 统一社会信用代码 for enterprise ``index`` (9 = 市场监管, 1 = 企业)."""
    org = f"{(index * 7919 + seed * 104729) % 10**8:08d}"
    body = f"91{county}{org}" + "0123456789ABCDEFGHJKLMNPQRTUWXY"[index % 31]
    return body + uscc_check_char(body)


def authority_uscc(city: str) -> str:
    body = f"11{city}00{int(city) % 10**6:06d}X"[:17]
    return body + uscc_check_char(body)


def yuan_text(fen: int) -> str:
    """An amount as decisions write it, exactly: 21310000 fen → "213,100", 150 → "1.50"."""
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" + (f".{cents:02d}" if cents else "")


def generate(places: Places, count: int, seed: int, chunk: int = 2000) -> Iterator[Rows]:
    """Yield rows per table for ``chunk`` enterprises at a time."""
    counters = Counters()
    cities = [c for c in names.CITIES if places.counties.get(c[0])]
    divisions = [d for d in names.INDUSTRIES if places.industries.get(d)]
    for start in range(0, count, chunk):
        rows: Rows = {
            t: []
            for t in (
                "enterprises",
                "permits",
                "permit_limits",
                "inspections",
                "penalties",
                "disclosure_reports",
                "emission_accounts",
            )
        }
        for index in range(start, min(count, start + chunk)):
            rng = random.Random(f"{seed}:{index}")  # noqa: S311 - demo data, reproducible
            _enterprise(
                rng, rows, counters, places, rng.choice(cities), rng.choice(divisions), index, seed
            )
        yield rows


def _enterprise(
    rng: random.Random,
    rows: Rows,
    ids: Counters,
    places: Places,
    city: tuple[Any, ...],
    division: str,
    index: int,
    seed: int,
) -> None:
    code, short, abbr, (lat, lon) = city
    county = rng.choice(places.counties[code])
    industry = rng.choice(places.industries[division])
    eid = ids.take("enterprises")
    uscc = make_uscc(county, index, seed)
    category = rng.choices(("key", "simplified", "registration"), (3, 4, 3))[0]
    trade = rng.choice(names.INDUSTRIES[division])
    name = f"{short}{rng.choice(names.BRANDS)}{trade}{rng.choice(names.SUFFIXES)}"
    rows["enterprises"].append(
        {
            "id": eid,
            "uscc": uscc,
            "name": name,
            "legal_representative": rng.choice(names.SURNAMES) + rng.choice(names.GIVEN),
            "region_code": county,
            "industry_code": industry,
            "address": f"{short}市{rng.choice(names.ROADS)}{rng.randint(1, 999)}号",
            **_point_in(county, rng, lat, lon),
            "permit_category": category,
            "status": rng.choices(("operating", "suspended", "closed"), (95, 4, 1))[0],
        }
    )
    agency = f"{short}{'市' if not code.endswith('0000') else '省'}生态环境局"
    limits = _permits(rng, rows, ids, eid, uscc, category)
    _inspections(rng, rows, ids, eid, agency)
    _penalties(rng, rows, ids, eid, name, abbr, agency, code)
    if category == "key":
        _disclosures(rng, rows, ids, eid, uscc)
    _emissions(rng, rows, ids, eid, limits)


def _point_in(county: str, rng: random.Random, lat: float, lon: float) -> dict[str, Decimal]:
    """A point inside the enterprise's own county (its prefecture where the boundary data
    have no outline for the county), drawn from ``rng``: the same seed, the same point."""
    from credit.places.boundaries import random_point_in  # a web worker never needs it

    for code in (county, county[:4] + "00"):
        try:
            x, y = random_point_in(code, rng)
        except ValueError:
            continue
        return {"latitude": Decimal(f"{y:.6f}"), "longitude": Decimal(f"{x:.6f}")}
    return {
        "latitude": Decimal(f"{lat + rng.uniform(-0.4, 0.4):.6f}"),
        "longitude": Decimal(f"{lon + rng.uniform(-0.4, 0.4):.6f}"),
    }


def _permits(
    rng: random.Random, rows: Rows, ids: Counters, eid: int, uscc: str, category: str
) -> dict[str, Decimal]:
    if category == "registration" or rng.random() < 0.03:  # a few operate without a permit
        return {}
    valid_from = _day(rng, dt.date(2022, 1, 1), dt.date(2026, 6, 1))  # issued or renewed
    if rng.random() < 0.05:  # expired, not renewed
        valid_from = _day(rng, dt.date(2016, 1, 1), dt.date(2021, 6, 1))
    revoked = rng.random() < 0.03
    pid = ids.take("permits")
    rows["permits"].append(
        {
            "id": pid,
            "enterprise_id": eid,
            "permit_no": f"{uscc}001{rng.choice('PUVWQ')}",
            "category": category,
            "valid_from": valid_from,
            "valid_until": valid_from + relativedelta(years=5, days=-1),
            "status": "revoked" if revoked else "valid",
            "revoked_at": _day(rng, valid_from, REF) if revoked else None,
        }
    )
    limits: dict[str, Decimal] = {}
    for pollutant in rng.sample(names.POLLUTANTS, rng.randint(2, 4)):
        amount = Decimal(f"{rng.uniform(2, 400):.2f}")
        limits[pollutant] = amount
        rows["permit_limits"].append(
            {"permit_id": pid, "pollutant": pollutant, "annual_limit_tonnes": amount}
        )
    return limits


def _inspections(rng: random.Random, rows: Rows, ids: Counters, eid: int, agency: str) -> None:
    for _ in range(rng.choices((0, 1, 2, 3, 4, 6), (15, 25, 25, 15, 12, 8))[0]):
        iid = ids.take("inspections")
        outcome = rng.choices(("compliant", "issues_found", "refused"), (83, 15, 2))[0]
        rows["inspections"].append(
            {
                "id": iid,
                "enterprise_id": eid,
                "ref": f"JC{iid:09d}",
                "date": _day(rng, dt.date(2022, 1, 1), REF),
                "agency": agency,
                "kind": rng.choices(("routine", "random", "complaint", "special"), (4, 3, 2, 1))[0],
                "outcome": outcome,
                "findings": rng.choice(names.FINDINGS)
                if outcome == "issues_found"
                else ("企业拒绝执法人员进入现场检查" if outcome == "refused" else None),
            }
        )


def _penalties(
    rng: random.Random,
    rows: Rows,
    ids: Counters,
    eid: int,
    name: str,
    abbr: str,
    agency: str,
    city: str,
) -> None:
    for _ in range(rng.choices((0, 1, 2, 3), (72, 18, 7, 3))[0]):
        what, basis, listed, weights, (low, high) = rng.choice(names.VIOLATIONS)
        kinds: tuple[str, ...] = listed
        severity = rng.choices(SEVERITIES, weights)[0]
        decided = _day(rng, dt.date(2022, 6, 1), REF)
        fine_fen = int(rng.uniform(low, high) * 100) * 10_000
        pid = ids.take("penalties")
        if severity == "minor":
            kinds = ("警告", "罚款")[: 1 + rng.randint(0, 1)]
        elif rng.random() < 0.7:  # detention, closure and revocation are the rarer outcomes
            kinds = tuple(k for k in kinds if k in ("罚款", "警告")) or ("罚款",)
        repaired = (
            severity != "minor" and rng.random() < 0.04 and decided + dt.timedelta(days=400) < REF
        )
        rows["penalties"].append(
            {
                "id": pid,
                "enterprise_id": eid,
                "decision_no": f"{abbr}〔{decided.year}〕{pid}号",
                "violation_type": what,
                "facts": rng.choice(names.FACT_TEMPLATES).format(
                    date=f"{decided.year}年{decided.month}月{decided.day}日",
                    agency=agency,
                    name=name,
                    what=what,
                    basis_short=basis.split("、")[0],
                    report=f"JC-{decided.year}-{pid:06d}",
                ),
                "legal_basis": basis,
                "penalty_kinds": ";".join(kinds),
                "content": f"罚款人民币{yuan_text(fine_fen)}元" if "罚款" in kinds else "警告",
                "fine_amount_fen": fine_fen if "罚款" in kinds else 0,
                "confiscated_amount_fen": 0,
                "decision_date": decided,
                "authority": agency,
                "authority_uscc": authority_uscc(city),
                "data_source": agency,
                "severity": severity,
                "criminal_transfer": "行政拘留" in kinds and rng.random() < 0.5,
                "publish_until": default_publish_until(severity, decided),
                "repaired_at": decided + dt.timedelta(days=380) if repaired else None,
                "revoked_at": _day(rng, decided, REF) if rng.random() < 0.01 else None,
                "licence_affected": None,
                "remarks": None,
            }
        )


def _disclosures(rng: random.Random, rows: Rows, ids: Counters, eid: int, uscc: str) -> None:
    for year in range(2022, 2026):
        roll = rng.random()
        if roll < 0.08:
            continue  # missing
        due = dt.date(year + 1, 3, 15)
        submitted = (
            due + dt.timedelta(days=rng.randint(1, 60))
            if roll < 0.18
            else due - dt.timedelta(days=rng.randint(0, 60))
        )
        rows["disclosure_reports"].append(
            {
                "id": ids.take("disclosure_reports"),
                "enterprise_id": eid,
                "year": year,
                "submitted_at": submitted,
                "url_or_text": f"https://hbxxpl.example.gov.cn/{uscc}/{year}",
            }
        )


def _emissions(
    rng: random.Random, rows: Rows, ids: Counters, eid: int, limits: dict[str, Decimal]
) -> None:
    offender = rng.random() < 0.08  # a few enterprises exceed their permitted amounts
    for pollutant, limit in limits.items():
        for year in (2024, 2025):
            share = rng.choices(
                (0.3, 0.7, 0.95, 1.1, 1.35),
                (20, 50, 20, 6 if offender else 0, 4 if offender else 0),
            )[0]
            eta = Decimal(f"{rng.uniform(0.6, 0.95):.2f}")
            k = Decimal(f"{rng.uniform(0.85, 1.0):.2f}")
            target = limit * Decimal(str(share))
            generated = (target / (1 - eta * k)).quantize(Decimal("0.01"))
            rows["emission_accounts"].append(
                {
                    "id": ids.take("emission_accounts"),
                    "enterprise_id": eid,
                    "year": year,
                    "pollutant": pollutant,
                    "generated_tonnes": generated,
                    "removal_efficiency": eta,
                    "operating_rate": k,
                    "emitted_tonnes": emitted_tonnes(generated, eta, k),
                }
            )
