"""Factories for test data: create_<thing>(session, **overrides) -> model (flushed)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from core.reference import Industry, Region, uscc_check_char
from credit.records.models import Enterprise, Penalty
from credit.records.publication import default_publish_until

_serial = itertools.count(1)
#: the password every test user gets
PASSWORD = "correct horse battery"


def make_uscc(n: int, region: str = "620100") -> str:
    """A valid USCC for enterprise number ``n`` registered in ``region``."""
    body = f"91{region}{n:09d}"
    return body + uscc_check_char(body)


def ensure_reference(session: Session, region: str = "620100", industry: str = "C26") -> None:
    """Make sure the region and industry rows exist (the migration normally loads them)."""
    if session.get(Region, region) is None:
        session.add(Region(code=region, name=f"地区{region}", parent_code=None, level=2))
    if session.get(Industry, industry) is None:
        session.add(Industry(code=industry, name=f"行业{industry}", parent_code=None, level=2))
    session.flush()


def create_enterprise(session: Session, **overrides: Any) -> Enterprise:
    n = next(_serial)
    values: dict[str, Any] = {
        "uscc": make_uscc(n),
        "name": f"兰州测试化工有限公司{n}号",
        "legal_representative": "张三",
        "region_code": "620100",
        "industry_code": "C26",
        "address": "兰州市西固区测试路1号",
        "permit_category": "registration",
        "status": "operating",
    }
    values.update(overrides)
    ensure_reference(session, values["region_code"], values["industry_code"])
    ent = Enterprise(**values)
    session.add(ent)
    session.flush()
    return ent


def create_penalty(session: Session, enterprise: Enterprise, **overrides: Any) -> Penalty:
    n = next(_serial)
    decided = overrides.pop("decision_date", dt.date(2026, 5, 1))
    severity = overrides.pop("severity", "general")
    values: dict[str, Any] = {
        "enterprise_id": enterprise.id,
        "decision_no": f"兰环罚〔2026〕{n}号",
        "violation_type": "超标排放大气污染物",
        "facts": "经查，该公司二氧化硫排放浓度超过国家排放标准。",
        "legal_basis": "《中华人民共和国大气污染防治法》第九十九条第二项",
        "penalty_kinds": "罚款",
        "fine_amount_fen": 5_000_000,
        "confiscated_amount_fen": 0,
        "decision_date": decided,
        "authority": "兰州市生态环境局",
        "severity": severity,
        "criminal_transfer": False,
        "publish_until": default_publish_until(severity, decided),
    }
    values.update(overrides)
    penalty = Penalty(**values)
    session.add(penalty)
    session.flush()
    return penalty


def create_rating(
    session: Session, enterprise: Enterprise, level: str = "blue", score: int = 90
) -> Any:
    from credit.ratings.models import CreditRating

    rating = CreditRating(
        enterprise_id=enterprise.id,
        as_of=dt.date(2026, 6, 30),
        rulebook_version="cn-default@2026.1",
        score=score,
        level=level,
        computed_level=level,
        explanation=[],
        is_current=True,
    )
    session.add(rating)
    session.flush()
    return rating


def create_regulator(
    session: Session, email: str, region: str = "620100", role: str = "regulator"
) -> Any:
    from core.users import create_user

    ensure_reference(session, region)
    return create_user(
        session,
        email=email,
        name=email.split("@")[0],
        role=role,
        region_code=region,
        password=PASSWORD,
    )


def create_enterprise_user(
    session: Session,
    enterprise: Enterprise,
    role: str = "enterprise_filer",
    email: str | None = None,
    name: str = "王填报",
) -> Any:
    """A user of an enterprise account (``enterprise_filer`` or ``enterprise_manager``) with
    the test password; e-mail ``<role><enterprise id>@example.cn`` unless given."""
    from core.users import create_user

    return create_user(
        session,
        email=email or f"{role}{enterprise.id}@example.cn",
        name=name,
        role=role,
        region_code=enterprise.region_code,
        password=PASSWORD,
        enterprise_id=enterprise.id,
    )


def create_grid(
    session: Session,
    code: str,
    box: tuple[float, float, float, float] = (103.80, 36.03, 103.90, 36.10),
    parent: Any = None,
    **overrides: Any,
) -> Any:
    """A grid whose outline is the rectangle ``box`` (west, south, east, north), under
    ``parent`` (one level below it) or at level 1 in 城关区."""
    import json

    from credit.grids.models import Grid

    west, south, east, north = box
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    values: dict[str, Any] = {
        "code": code,
        "name": f"测试网格{code}",
        "level": parent.level + 1 if parent is not None else 1,
        "parent_id": parent.id if parent is not None else None,
        "region_code": parent.region_code if parent is not None else "620102",
        "geometry": json.dumps({"type": "Polygon", "coordinates": [ring]}),
        "min_lon": west,
        "min_lat": south,
        "max_lon": east,
        "max_lat": north,
    }
    values.update(overrides)
    grid = Grid(**values)
    session.add(grid)
    session.flush()
    return grid


def add_grid_member(session: Session, grid: Any, user: Any, role: str = "officer") -> Any:
    """``user`` as a member of ``grid`` with ``role``."""
    from credit.grids.models import GridMember

    member = GridMember(grid_id=grid.id, user_id=user.id, role=role)
    session.add(member)
    session.flush()
    return member


def create_source(session: Session, code: str, **overrides: Any) -> Any:
    """A point source (default: a restaurant in 城关区, in no grid)."""
    from decimal import Decimal

    from credit.sources.models import PointSource

    values: dict[str, Any] = {
        "code": code,
        "name": f"测试餐馆{code}",
        "type": "restaurant",
        "latitude": Decimal("36.050000"),
        "longitude": Decimal("103.820000"),
        "address": "兰州市城关区测试路1号",
        "region_code": "620102",
    }
    values.update(overrides)
    source = PointSource(**values)
    session.add(source)
    session.flush()
    return source
