"""Address text → region: province, prefecture and county names and their short forms.

A region is named in a text by its full name (城关区, 兰州市, 甘肃省) or, for provinces and
prefectures, a short form (甘肃, 兰州, 新疆, 临夏), and a county also by its name preceded by
its prefecture's and/or province's (兰州市城关区, 甘肃兰州城关区, 甘肃省城关区). The most
specific, longest match wins; a tie is broken by an ancestor named too, then by the context
region (城关区 with 兰州市 as context is 620102); a tie that stays is "ambiguous" with its
candidates (城关区 alone: 兰州 and 拉萨); nothing named is "not_found". A bare county name
shorter than ``MIN_BARE_NAME`` is a common word (城区, 郊区, 矿区) and names nothing alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.reference import Region, region_prefix

MIN_BARE_NAME = 3
MAX_TEXT = 300
STATUSES = ("found", "ambiguous", "not_found")
#: ethnic names in autonomous regions' and prefectures' names (临夏回族自治州 → 临夏); 维吾尔
#: is written without 族 in 新疆维吾尔自治区
_ETHNIC = (
    "蒙古|朝鲜|哈萨克|柯尔克孜|土家|布依|哈尼|傈僳|拉祜|东乡|纳西|景颇|达斡尔|仫佬|"
    "布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|乌孜别克|鄂温克|德昂|保安|裕固|塔塔尔|独龙|"
    "鄂伦春|赫哲|门巴|珞巴|基诺|回|藏|苗|彝|壮|满|侗|瑶|白|傣|黎|佤|畲|水|羌|土|京|怒"
)
_AUTONOMOUS = re.compile(rf"^(.+?)(?:维吾尔族?|(?:{_ETHNIC})族)+自治(?:区|州|县|旗)$")
_SUFFIXES = ("特别行政区", "自治区", "自治州", "地区", "省", "市", "盟")

RegionRows = dict[str, tuple[str, str | None, int]]


@dataclass(frozen=True)
class Candidate:
    """A region an address may mean."""

    code: str
    name: str
    level: int
    #: the names from the province down, e.g. 甘肃省兰州市城关区
    full_name: str


@dataclass(frozen=True)
class AddressMatch:
    """What an address text names: ``found`` (one candidate), ``ambiguous`` or ``not_found``."""

    status: str
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def code(self) -> str | None:
        """The region's code when found, else None."""
        return self.candidates[0].code if self.status == "found" else None


def short_forms(name: str, level: int) -> list[str]:
    """The short forms a province's or prefecture's name is written in (甘肃省 → 甘肃)."""
    if level == 3:
        return []
    forms = []
    autonomous = _AUTONOMOUS.match(name)
    if autonomous:  # 临夏回族自治州 → 临夏, 临夏州
        forms.append(autonomous.group(1))
        if name.endswith("自治州"):
            forms.append(autonomous.group(1) + "州")
    else:
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                forms.append(name[: -len(suffix)])
                break
    return [f for f in dict.fromkeys(forms) if f != name and len(f) >= 2]


def _regions(session: Session) -> RegionRows:
    rows = session.execute(select(Region.code, Region.name, Region.parent_code, Region.level))
    return {code: (name, parent, level) for code, name, parent, level in rows}


def _ancestors(regions: RegionRows, code: str) -> list[str]:
    chain: list[str] = []
    parent = regions[code][1]
    while parent and parent in regions and len(chain) < 4:
        chain.append(parent)
        parent = regions[parent][1]
    return chain


@lru_cache(maxsize=4096)
def _names(name: str, level: int) -> tuple[str, ...]:
    return (name, *short_forms(name, level))


def _longest_match(regions: RegionRows, code: str, text: str) -> int:
    """The length of the longest form of the region's name in ``text`` (0 = none)."""
    name, _, level = regions[code]
    own = _names(name, level)
    forms = [f for f in own if len(f) >= MIN_BARE_NAME or level < 3]
    prefixes = [""]
    for ancestor in reversed(_ancestors(regions, code)):
        prefixes += [p + n for p in prefixes for n in _names(*regions[ancestor][::2])]
    forms += [p + n for p in prefixes if p for n in own]
    return max((len(form) for form in forms if form in text), default=0)


def _candidate(regions: RegionRows, code: str) -> Candidate:
    name, _, level = regions[code]
    chain = [regions[a][0] for a in reversed(_ancestors(regions, code))]
    return Candidate(code, name, level, "".join(dict.fromkeys([*chain, name])))


def parse_address(session: Session, text: str, context_code: str | None = None) -> AddressMatch:
    """The region(s) an address text names, most specific first (see the module's rules)."""
    text = re.sub(r"\s+", "", text or "")[:MAX_TEXT]
    regions = _regions(session)
    named = [
        c for c, (name, _, level) in regions.items() if any(f in text for f in _names(name, level))
    ]
    found = {code: n for code in named if (n := _longest_match(regions, code, text))}
    if not found:
        return AddressMatch("not_found")
    best = max(found.values())
    group = sorted(code for code, n in found.items() if n == best)
    anchored = [c for c in group if any(a in found for a in _ancestors(regions, c))]
    pick = anchored or group
    if len(pick) > 1 and context_code:
        prefix = region_prefix(context_code)
        pick = [c for c in pick if c.startswith(prefix)] or pick
    status = "found" if len(pick) == 1 else "ambiguous"
    return AddressMatch(status, [_candidate(regions, c) for c in pick])


def locate_region(session: Session, text: str, context_code: str | None = None) -> str | None:
    """The one region an address text names (兰州市城关区张掖路 → 620102), else None."""
    return parse_address(session, text, context_code).code
