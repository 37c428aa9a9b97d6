"""`flask grids import`: GeoJSON outlines, all-or-nothing, row errors naming each feature."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.changelog import ChangeLog
from credit.grids.geometry import GeometryError, parse_geometry
from credit.grids.importing import check_features, import_grids
from credit.grids.models import Grid


def square(west, south, size=0.01):
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, geometry, level=1, parent=None, region="620102", name=None):
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name": name or f"{code}街道",
            "level": level,
            "parent_code": parent,
            "region_code": region,
        },
        "geometry": geometry,
    }


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def street_and_communities():
    return collection(
        feature("ZY", square(103.80, 36.00, 0.02), name="张掖路街道"),
        feature("ZY-01", square(103.80, 36.00), 2, "ZY", name="金塔巷社区"),
        feature("ZY-02", square(103.81, 36.00), 2, "ZY", name="永昌路社区"),
    )


def _write(tmp_path, data, name="grids.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _count(session, model=Grid):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_import_creates_the_hierarchy_with_change_log_and_audit(runner, session, tmp_path):
    result = runner.invoke(
        args=["grids", "import", str(_write(tmp_path, street_and_communities()))]
    )
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    session.rollback()
    street = session.scalar(select(Grid).where(Grid.code == "ZY"))
    child = session.scalar(select(Grid).where(Grid.code == "ZY-02"))
    assert child.parent_id == street.id and child.level == 2 and not child.generated
    assert (child.min_lon, child.max_lon) == pytest.approx((103.81, 103.82))
    grid_rows = session.scalars(select(ChangeLog.entity_id).where(ChangeLog.entity == "grid"))
    assert set(grid_rows) == {"ZY", "ZY-01", "ZY-02"}
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "grids.import"))
    from credit.freshness.import_log import last_imports

    assert [(i.kind, i.channel, i.rows, i.created) for i in last_imports(session)] == [
        ("grids", "file", 3, 3)
    ]


def test_reimport_updates_by_code_and_counts_unchanged(runner, session, tmp_path):
    data = street_and_communities()
    assert runner.invoke(args=["grids", "import", str(_write(tmp_path, data))]).exit_code == 0
    data["features"][1]["properties"]["name"] = "金塔巷社区（新）"
    result = runner.invoke(args=["grids", "import", str(_write(tmp_path, data))])
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 2 unchanged" in result.output
    session.rollback()
    assert session.scalar(select(Grid.name).where(Grid.code == "ZY-01")) == "金塔巷社区（新）"
    assert _count(session) == 3


def test_a_child_alone_attaches_to_its_stored_parent(runner, session, tmp_path):
    runner.invoke(args=["grids", "import", str(_write(tmp_path, street_and_communities()))])
    more = collection(feature("ZY-01-1", square(103.80, 36.00, 0.005), 3, "ZY-01"))
    result = runner.invoke(args=["grids", "import", str(_write(tmp_path, more, "more.geojson"))])
    assert result.exit_code == 0, result.output
    assert _count(session) == 4


def _errors(session, data):
    return [str(e) for e in check_features(session, data)[1]]


@pytest.mark.parametrize(
    ("geometry", "says"),
    [
        ({"type": "Point", "coordinates": [103.8, 36.0]}, "Point"),
        ({"type": "Polygon", "coordinates": [[[103.8, 36.0], [103.9]]]}, "坐标格式错误"),
        ({"type": "Polygon", "coordinates": [[["东", 36.0]] * 4]}, "坐标格式错误"),
        ({"type": "Polygon", "coordinates": []}, "轮廓为空"),
        (square(190.0, 36.0), "超出经纬度范围"),
        (square(103.8, 95.0), "超出经纬度范围"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
            },
            "自相交",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0], [0, 0]]]}, "轮廓"),
        (None, "GeoJSON 几何对象"),
    ],
)
def test_bad_outlines_are_named(session, geometry, says):
    errors = _errors(session, collection(feature("BAD", geometry)))
    assert len(errors) == 1
    assert "第 1 个要素（编码 BAD）的 geometry" in errors[0] and says in errors[0]


def test_parse_geometry_rejects_what_the_import_rejects():
    with pytest.raises(GeometryError):
        parse_geometry({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 1], [0, 0]]]]})
    assert parse_geometry(square(103.8, 36.0)).area == pytest.approx(0.0001)


def test_each_kind_of_feature_error_names_its_feature(session):
    data = collection(
        feature("A", square(103.80, 36.00)),
        feature("A", square(103.90, 36.00)),  # duplicate code
        feature("B", square(103.80, 36.10), 2, "无此网格"),  # orphan parent
        feature("C", square(103.80, 36.20), 3, "A"),  # level not parent + 1
        feature("D", square(103.80, 36.30), region="629999"),  # unknown region
        feature("E", square(103.80, 36.40), 2),  # level 2 without a parent
        feature("F", square(103.80, 36.50), 2, "A", region="620103"),  # other region
        feature("", square(103.80, 36.60)),
        feature("G", square(103.80, 36.70), level=7),
        {"type": "Point"},
    )
    errors = _errors(session, data)
    expected = [
        ("第 2 个要素（编码 A）的 code", "重复"),
        ("第 3 个要素（编码 B）的 parent_code", "既不在文件中也不在系统中"),
        ("第 4 个要素（编码 C）的 level", "加 1"),
        ("第 5 个要素（编码 D）的 region_code", "未知的行政区划代码"),
        ("第 6 个要素（编码 E）的 parent_code", "必须有上级网格"),
        ("第 7 个要素（编码 F）的 region_code", "620102"),
        ("第 8 个要素（编码 —）的 code", "必填"),
        ("第 9 个要素（编码 G）的 level", "1 至 4"),
        ("第 10 个要素（编码 —）的 type", "Feature"),
    ]
    assert len(errors) == len(expected), errors
    for (where, what), error in zip(expected, errors, strict=True):
        assert where in error and what in error, error


def test_overlap_within_tolerance_is_accepted(session):
    # the second square reaches 0.5 % of its area into the first
    data = collection(
        feature("L", square(103.80, 36.00)),
        feature("R", square(103.80995, 36.00)),
    )
    assert _errors(session, data) == []


def test_overlap_beyond_tolerance_is_refused_naming_both(session):
    data = collection(
        feature("L", square(103.80, 36.00)),
        feature("R", square(103.8098, 36.00)),  # 2 % of its area
    )
    (error,) = _errors(session, data)
    assert "编码 R" in error and "“L”" in error and "2.0%" in error and "上限 1%" in error


def test_overlap_with_a_stored_sibling_is_refused(session):
    import_grids(session, collection(feature("L", square(103.80, 36.00))), "test", "t")
    (error,) = _errors(session, collection(feature("R", square(103.805, 36.00))))
    assert "“L”" in error and "50.0%" in error


def test_grids_of_other_parents_may_overlap(session):
    data = collection(
        feature("P1", square(103.80, 36.00, 0.02)),
        feature("P2", square(103.82, 36.00, 0.02)),
        feature("P1-1", square(103.80, 36.00), 2, "P1"),
        feature("P2-1", square(103.82, 36.00), 2, "P2"),
    )
    assert _errors(session, data) == []


def test_a_failing_file_stores_nothing(runner, session, tmp_path):
    data = street_and_communities()
    data["features"].append(feature("BAD", square(200, 36)))
    result = runner.invoke(args=["grids", "import", str(_write(tmp_path, data))])
    assert result.exit_code == 1
    assert "第 4 个要素（编码 BAD）" in result.output
    assert "未保存任何网格" in result.output
    assert _count(session) == 0
    assert _count(session, ChangeLog) == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json {", "not valid JSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "没有任何要素"),
        ("[1, 2]", "FeatureCollection"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(runner, tmp_path, content, says):
    path = tmp_path / "x.geojson"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["grids", "import", str(path)])
    assert result.exit_code == 1 and says in result.output


def test_a_level_change_that_would_strand_stored_children_is_refused(session):
    import_grids(session, street_and_communities(), "test", "t")
    data = collection(feature("ZY", square(103.80, 36.00, 0.02), 2, "无"))
    errors = _errors(session, data)
    assert any("层级不连续" in e for e in errors)


def test_names_with_control_characters_and_non_ascii_codes_are_refused(session):
    data = collection(
        feature("OK", square(103.80, 36.00), name="张掖路\x0b街道"),
        feature("网格一", square(103.90, 36.00)),
        feature("X" * 33, square(104.00, 36.00)),
    )
    errors = _errors(session, data)
    assert len(errors) == 3
    assert "name" in errors[0] and "控制字符" in errors[0]
    assert all("code" in e and "32" in e for e in errors[1:])


def test_reimporting_what_was_stored_changes_nothing(session):
    # a ring drawn clockwise from another vertex, with a collinear point: stored canonically
    ring = [[103.81, 36.0], [103.80, 36.0], [103.80, 36.01], [103.805, 36.01], [103.81, 36.01]]
    geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    first = import_grids(session, collection(feature("C", geometry)), "test", "t")
    assert first.created == 1
    stored = session.scalar(select(Grid).where(Grid.code == "C"))
    again = collection(feature("C", json.loads(stored.geometry)))
    assert import_grids(session, again, "test", "t").unchanged == 1
    assert import_grids(session, collection(feature("C", geometry)), "test", "t").unchanged == 1
