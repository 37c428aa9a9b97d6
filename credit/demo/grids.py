"""The demo's Lanzhou-style grid: three 兰州 districts covered by 街道 → 社区 → 楼院 cells.

Each district's boundary (``credit.places.boundaries``) is cut into generated square cells,
clipped to it, with clipped corners smaller than a fifth of a square joined to a neighbour;
街道 take the district's real street names, 社区 and 楼院 names are drawn from small lists.
Every 楼院 gets a team of six (网格长, 网格员, two 协管员, two 志愿者) as demo accounts of the
district, with an unusable random password (``flask users reset-password EMAIL`` gives one).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.changelog import record_change
from core.db import utcnow
from core.users import User, hash_password
from credit.demo.names import GIVEN, SURNAMES
from credit.grids.generating import Namer, build_cells
from credit.grids.lookup import grid_shape
from credit.grids.models import GRID_ENTITY, Grid, GridMember
from credit.places.boundaries import region_polygon


@dataclass(frozen=True)
class District:
    code: str
    #: cell sides in km for 街道, 社区, 楼院
    cells_km: tuple[float, float, float]
    streets: tuple[str, ...]


DISTRICTS = (
    District(
        "620102",
        (4.0, 1.5, 0.8),
        (
            "张掖路街道",
            "酒泉路街道",
            "白银路街道",
            "皋兰路街道",
            "广武门街道",
            "伏龙坪街道",
            "靖远路街道",
            "草场街街道",
            "火车站街道",
            "拱星墩街道",
            "东岗西路街道",
            "团结新村街道",
            "东岗街道",
            "五泉街道",
            "临夏路街道",
            "雁南街道",
            "雁北街道",
            "嘉峪关路街道",
            "焦家湾街道",
            "铁路东村街道",
            "铁路西村街道",
            "渭源路街道",
            "盐场路街道",
            "青白石街道",
        ),
    ),
    District(
        "620103",
        (5.0, 2.5, 1.25),
        (
            "西园街道",
            "西湖街道",
            "建兰路街道",
            "敦煌路街道",
            "西站街道",
            "晏家坪街道",
            "龚家湾街道",
            "土门墩街道",
            "秀川街道",
            "阿干镇",
            "八里镇",
            "彭家坪镇",
            "西果园镇",
            "魏岭乡",
            "黄峪乡",
        ),
    ),
    District(
        "620105",
        (4.0, 1.5, 1.0),
        (
            "培黎街道",
            "西路街道",
            "沙井驿街道",
            "十里店街道",
            "孔家崖街道",
            "银滩路街道",
            "刘家堡街道",
            "安宁堡街道",
        ),
    ),
)
COMMUNITY_STEMS = (
    "金塔巷",
    "永昌路",
    "中山路",
    "民勤街",
    "武都路",
    "庆阳路",
    "南关",
    "曹家巷",
    "颜家沟",
    "白塔山",
    "雁滩",
    "段家滩",
    "高滩",
    "宋家滩",
    "徐家山",
    "西津",
    "兰工坪",
    "小西湖",
    "马滩",
    "崔家崖",
    "桃林",
    "费家营",
    "万新",
    "银安路",
    "骆驼巷",
    "红山根",
    "畅家巷",
    "静宁路",
)
COMMUNITY_SUFFIXES = ("社区", "东社区", "西社区", "南社区", "北社区", "新村社区")
YARD_STEMS = (
    "铁路",
    "电力",
    "省建",
    "兰化",
    "邮政",
    "交通",
    "水电",
    "农科",
    "师大",
    "兰大",
    "石化",
    "华联",
    "金港",
    "阳光",
    "滨河",
    "和平",
    "幸福",
    "黄河",
    "安居",
    "望河",
)
YARD_KINDS = ("家属院", "小区", "花园", "公寓", "新村", "嘉园")
#: a 楼院's team of about six (the Lanzhou model): roles in order
TEAM = ("leader", "officer", "assistant", "assistant", "volunteer", "volunteer")
SLIVER_SHARE = 0.2


@dataclass
class GridCounts:
    grids: int = 0
    members: int = 0


def _namers(rng: random.Random, district: District) -> tuple[Namer, Namer, Namer]:
    streets = iter(district.streets)

    def street(base: str, n: int) -> str:
        return next(streets, None) or f"{base}第{n}片区"

    def community(_base: str, _n: int) -> str:
        return rng.choice(COMMUNITY_STEMS) + rng.choice(COMMUNITY_SUFFIXES)

    def yard(_base: str, _n: int) -> str:
        return rng.choice(YARD_STEMS) + rng.choice(YARD_KINDS)

    return street, community, yard


def _district_grids(session: Session, rng: random.Random, district: District) -> list[Grid]:
    """The district's three levels of cells, flushed level by level (children need ids)."""
    outline = region_polygon(district.code)
    if outline is None:
        return []
    namers = _namers(rng, district)
    parents: list[Grid | None] = [None]
    cells: list[Grid] = []
    for km, namer in zip(district.cells_km, namers, strict=True):
        cells = []
        for parent in parents:
            shape = outline if parent is None else grid_shape(parent)
            cells += build_cells(
                session, district.code, shape, km, parent, namer, sliver_share=SLIVER_SHARE
            )
        session.flush()
        for grid in cells:
            record_change(session, GRID_ENTITY, grid.code)
        parents = list(cells)
    return cells


def load_demo_grids(session: Session, seed: int) -> GridCounts:
    """The demo grid and its teams; nothing when grids exist already."""
    counts = GridCounts()
    if session.scalar(select(func.count()).select_from(Grid)):
        return counts
    rng = random.Random(f"{seed}:grids")  # noqa: S311 - demo data, reproducible
    password = hash_password(secrets.token_urlsafe(24))  # one hash: nobody knows it
    now = utcnow()
    for district in DISTRICTS:
        bottom = _district_grids(session, rng, district)
        counts.grids += (
            session.scalar(
                select(func.count()).select_from(Grid).where(Grid.region_code == district.code)
            )
            or 0
        )
        users: list[dict[str, object]] = []
        roles: list[tuple[int, str]] = []
        for grid in bottom:
            for role in TEAM:
                n = len(users) + 1
                users.append(
                    {
                        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                        "email": f"wg{district.code}-{n:05d}@demo.envcredit.cn",
                        "password_hash": password,
                        "role": "regulator",
                        "region_code": district.code,
                        "active": True,
                        "failed_logins": 0,
                        "created_at": now,
                    }
                )
                roles.append((grid.id, role))
        if not users:
            continue
        ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users)
        members = [
            {"grid_id": grid_id, "user_id": uid, "role": role, "created_at": now}
            for (grid_id, role), uid in zip(roles, ids, strict=True)
        ]
        session.execute(insert(GridMember), members)
        counts.members += len(members)
    return counts
