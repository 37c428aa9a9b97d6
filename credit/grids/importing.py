"""`grids import`: a GeoJSON FeatureCollection of grid outlines, all or nothing.

Each feature carries ``code``, ``name``, ``level`` (1–4), ``parent_code`` (empty at level 1)
and ``region_code`` (a known GB/T 2260 code; a child's is its parent's). A grid that exists
(same code) is updated. Nothing is written if any feature is wrong; every error names its
feature: a bad outline, a duplicate code, an unknown region, an orphan parent (in neither the
file nor the database), a level that is not its parent's plus one, or an overlap with a
sibling (same parent; at level 1, same region) beyond ``OVERLAP_TOLERANCE`` of the smaller
one's area.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shapely import STRtree
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.errors import DomainError, Invalid
from core.messages import Msg, msg
from core.reference import known_regions, region_code_problem
from credit.grids.geometry import (
    OVERLAP_TOLERANCE,
    outline_columns,
    overlap_share,
    parse_geometry,
)
from credit.grids.lookup import grid_shape
from credit.grids.models import GRID_ENTITY, GRID_LEVELS, MAX_NAME, Grid
from credit.records.fields import escaped, plain

CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")


@dataclass(frozen=True)
class FeatureError:
    """What is wrong with one feature of the file (1-based number, its code if it has one)."""

    feature: int
    code: str
    field: str
    reason: str

    def text(self) -> Msg:
        return msg(
            "第 %(n)s 个要素（编码 %(code)s）的 %(field)s：%(reason)s",
            n=self.feature,
            code=escaped(self.code)[:40] or "—",
            field=self.field,
            reason=self.reason,
        )

    def __str__(self) -> str:
        return str(self.text())


@dataclass
class Feature:
    number: int
    code: str
    name: str
    level: int
    parent_code: str | None
    region_code: str
    geom: BaseGeometry


@dataclass
class GridImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FeatureError] = field(default_factory=list)


def _text(props: dict[str, Any], key: str) -> str:
    value = props.get(key)
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def _parse_feature(number: int, raw: Any, errors: list[FeatureError]) -> Feature | None:
    """One feature's properties and outline, or None after appending its errors."""
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        errors.append(FeatureError(number, "", "type", msg("不是 GeoJSON Feature 对象")))
        return None
    props: dict[str, Any] = raw.get("properties") or {}
    if not isinstance(props, dict):
        errors.append(FeatureError(number, "", "properties", msg("properties 必须是对象")))
        return None
    code, name = _text(props, "code"), _text(props, "name")
    start = len(errors)
    if not CODE_RE.fullmatch(code):
        reason = (
            msg("必填")
            if not code
            else msg("编码只能由字母、数字、点、横线和下划线组成，最长 32 个字符")
        )
        errors.append(FeatureError(number, code, "code", reason))
    if not name or len(name) > MAX_NAME:
        reason = msg("必填") if not name else msg("名称最长 %(n)s 个字", n=MAX_NAME)
        errors.append(FeatureError(number, code, "name", reason))
    else:
        try:
            plain(name)
        except ValueError as exc:
            errors.append(FeatureError(number, code, "name", str(exc.args[0])))
    level = _level(props.get("level"))
    if level is None:
        errors.append(FeatureError(number, code, "level", msg("层级应为 1 至 4 的整数")))
    region = _text(props, "region_code")
    try:
        geom = parse_geometry(raw.get("geometry"))
    except DomainError as exc:
        errors.append(FeatureError(number, code, "geometry", exc.message))
        geom = None
    if len(errors) > start or geom is None or level is None:
        return None
    parent = _text(props, "parent_code") or None
    return Feature(number, code, name, level, parent, region, geom)


def _level(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value in GRID_LEVELS else None


def read_features(collection: Any, errors: list[FeatureError]) -> list[Feature]:
    """The well-formed features of a FeatureCollection (the rest go to ``errors``)."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise Invalid(msg("网格文件必须是 GeoJSON FeatureCollection"))
    raw = collection.get("features")
    if not isinstance(raw, list) or not raw:
        raise Invalid(msg("网格文件没有任何要素（features）"))
    features: list[Feature] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(raw, start=1):
        feature = _parse_feature(number, item, errors)
        if feature is None:
            continue
        if feature.code in seen:
            reason = msg("编码与第 %(n)s 个要素重复", n=seen[feature.code])
            errors.append(FeatureError(number, feature.code, "code", reason))
            continue
        seen[feature.code] = number
        features.append(feature)
    return features


def _check_parents(session: Session, features: list[Feature], errors: list[FeatureError]) -> None:
    """Regions known; parents in the file or the database, one level up, in the same region."""
    known = known_regions(session, {f.region_code for f in features})
    in_file = {f.code: f for f in features}
    wanted = {f.parent_code for f in features if f.parent_code and f.parent_code not in in_file}
    in_db = {g.code: g for g in session.scalars(select(Grid).where(Grid.code.in_(wanted)))}
    for f in features:
        if f.region_code not in known:
            reason = region_code_problem(session, f.region_code) or ""
            errors.append(FeatureError(f.number, f.code, "region_code", reason))
        if f.parent_code is None:
            if f.level != 1:
                reason = msg("第 %(level)s 级网格必须有上级网格", level=f.level)
                errors.append(FeatureError(f.number, f.code, "parent_code", reason))
            continue
        parent: Feature | Grid | None = in_file.get(f.parent_code) or in_db.get(f.parent_code)
        if parent is None:
            reason = msg("上级网格“%(code)s”既不在文件中也不在系统中", code=f.parent_code)
            errors.append(FeatureError(f.number, f.code, "parent_code", reason))
        elif f.level != parent.level + 1:
            reason = msg(
                "层级 %(level)s 应为上级网格层级 %(parent)s 加 1",
                level=f.level,
                parent=parent.level,
            )
            errors.append(FeatureError(f.number, f.code, "level", reason))
        elif f.region_code != parent.region_code:
            reason = msg("应与上级网格的行政区划 %(code)s 相同", code=parent.region_code)
            errors.append(FeatureError(f.number, f.code, "region_code", reason))


def _check_overlaps(session: Session, features: list[Feature], errors: list[FeatureError]) -> None:
    """No two siblings (file or database) share more than the tolerance of the smaller area."""
    codes = {f.code for f in features}
    groups: dict[tuple[str, str], list[tuple[str, int | None, BaseGeometry]]] = defaultdict(list)
    for f in features:
        groups[_sibling_key(f.parent_code, f.region_code)].append((f.code, f.number, f.geom))
    for grid, parent_code in _db_siblings(session, features):
        if grid.code not in codes:
            key = _sibling_key(parent_code, grid.region_code)
            groups[key].append((grid.code, None, grid_shape(grid)))
    for members in groups.values():
        if len(members) < 2:
            continue
        tree = STRtree([geom for _, _, geom in members])
        for i, (code, number, geom) in enumerate(members):
            for j in tree.query(geom):
                other_code, other_number, other = members[int(j)]
                # report each pair once, on the later feature of the file
                if int(j) == i or (other_number is not None and int(j) > i):
                    continue
                if number is None:
                    continue
                share = overlap_share(geom, other)
                if share > OVERLAP_TOLERANCE:
                    reason = msg(
                        "与同级网格“%(other)s”重叠，占较小者面积的 %(share)s%%（上限 %(limit)s%%）",
                        other=other_code,
                        share=f"{share * 100:.1f}",
                        limit=f"{OVERLAP_TOLERANCE * 100:g}",
                    )
                    errors.append(FeatureError(number, code, "geometry", reason))


def _sibling_key(parent_code: str | None, region_code: str) -> tuple[str, str]:
    return ("parent", parent_code) if parent_code else ("region", region_code)


def _db_siblings(session: Session, features: list[Feature]) -> list[tuple[Grid, str | None]]:
    """Stored grids (with their parent's code) that share a parent or, at level 1, a region
    with a feature."""
    parents = {f.parent_code for f in features if f.parent_code}
    regions = {f.region_code for f in features if not f.parent_code}
    parent_grid = Grid.__table__.alias("parent")
    rows = session.execute(
        select(Grid, parent_grid.c.code)
        .outerjoin(parent_grid, parent_grid.c.id == Grid.parent_id)
        .where(
            (parent_grid.c.code.in_(parents))
            | (Grid.parent_id.is_(None) & Grid.region_code.in_(regions))
        )
    )
    return [(grid, parent_code) for grid, parent_code in rows]


def _check_children(session: Session, features: list[Feature], errors: list[FeatureError]) -> None:
    """A stored grid whose level the file changes must not leave stored children behind."""
    by_code = {f.code: f for f in features}
    stored = {g.code: g for g in session.scalars(select(Grid).where(Grid.code.in_(by_code)))}
    moved = {g.id: by_code[c] for c, g in stored.items() if g.level != by_code[c].level}
    if not moved:
        return
    for child in session.scalars(select(Grid).where(Grid.parent_id.in_(moved))):
        if child.code not in by_code:
            f = moved[child.parent_id or 0]
            reason = msg("改变层级会使下级网格“%(child)s”的层级不连续", child=child.code)
            errors.append(FeatureError(f.number, f.code, "level", reason))


def check_features(session: Session, collection: Any) -> tuple[list[Feature], list[FeatureError]]:
    """The file's features and everything wrong with them (nothing is written)."""
    errors: list[FeatureError] = []
    features = read_features(collection, errors)
    _check_parents(session, features, errors)
    _check_overlaps(session, features, errors)
    _check_children(session, features, errors)
    errors.sort(key=lambda e: e.feature)
    return features, errors


def import_grids(
    session: Session,
    collection: Any,
    actor: str,
    source: str,
    advance: Callable[[int], None] | None = None,
) -> GridImportResult:
    """Check every feature, then create or update (by code) all of them, parents first;
    with any error nothing is written and the result lists the errors."""
    features, errors = check_features(session, collection)
    result = GridImportResult(errors=errors)
    if errors:
        return result
    stored = {
        g.code: g
        for g in session.scalars(select(Grid).where(Grid.code.in_([f.code for f in features])))
    }
    ids: dict[str, int] = {}
    parents = {f.parent_code for f in features if f.parent_code}
    ids.update(
        (code, id_)
        for code, id_ in session.execute(select(Grid.code, Grid.id).where(Grid.code.in_(parents)))
    )
    for f in sorted(features, key=lambda f: f.level):
        values = _values(f, ids.get(f.parent_code) if f.parent_code else None)
        grid = stored.get(f.code)
        if grid is None:
            grid = Grid(code=f.code, generated=False, **values)
            session.add(grid)
            result.created += 1
        elif any(getattr(grid, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(grid, k, v)
            result.updated += 1
        else:
            result.unchanged += 1
            ids[f.code] = grid.id
            if advance:
                advance(1)
            continue
        session.flush()
        ids[f.code] = grid.id
        record_change(session, GRID_ENTITY, grid.code)
        if advance:
            advance(1)
    audit(
        session,
        actor,
        "grids.import",
        source,
        {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result


def _values(f: Feature, parent_id: int | None) -> dict[str, Any]:
    return {
        "name": f.name,
        "level": f.level,
        "parent_id": parent_id,
        "region_code": f.region_code,
        **outline_columns(f.geom),
    }
