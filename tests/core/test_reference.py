"""Code validators (USCC, permit number, region, industry) and the reference data migration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from stdnum.cn import uscc as stdnum_uscc

from core.errors import Invalid
from core.reference import (
    USCC_ALPHABET,
    Industry,
    Region,
    industry_code_problem,
    industry_name,
    industry_path,
    known_industries,
    known_regions,
    normalize_permit_no,
    normalize_uscc,
    permit_no_problem,
    region_code_problem,
    region_name,
    region_path,
    region_prefix,
    resolve_industry,
    resolve_region,
    uscc_check_char,
    uscc_problem,
)

VALID_USCC = [
    "91350100M000100Y43",
    "91130200699229617X",
    "91110108551385082Q",
    "914403001922038216",
]
HOLDER = "91350100M000100Y43"

# -- USCC ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCC)
def test_domain_readme_examples_are_valid_usccs(code):
    assert uscc_problem(code) is None
    assert normalize_uscc(code) == code


def test_lower_case_uscc_is_normalised_to_upper_case():
    assert normalize_uscc(" 91130200699229617x ") == "91130200699229617X"


@pytest.mark.parametrize("value", ["", "9135010", "91350100M000100Y4", "91350100M000100Y431"])
def test_uscc_of_wrong_length_names_the_length(value):
    problem = uscc_problem(value)
    assert problem is not None
    assert f"实际为 {len(value)} 位" in problem
    assert f"this has {len(value)}" in problem


@pytest.mark.parametrize("bad", "IOSVZ")
def test_uscc_with_a_letter_outside_the_alphabet_names_its_position(bad):
    value = "91350100M" + bad + "00100Y43"
    problem = uscc_problem(value)
    assert problem is not None
    assert "第 10 位" in problem and "character 10" in problem and repr(bad) in problem


def test_uscc_with_a_wrong_check_char_names_position_18_and_the_expected_char():
    problem = uscc_problem("91350100M000100Y44")
    assert problem is not None
    assert "第 18 位" in problem and "position 18" in problem
    assert "应为“3”" in problem and "expected '3'" in problem


def test_uscc_with_a_non_digit_region_part_is_rejected():
    value = "91A50100M000100Y4"
    value += uscc_check_char(value)
    assert "3–8" in (uscc_problem(value) or "")


def test_normalize_uscc_raises_invalid_with_the_field():
    with pytest.raises(Invalid) as exc:
        normalize_uscc("91350100M000100Y44")
    assert "uscc" in exc.value.errors


_body = st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9)
_digits8 = st.text(alphabet="0123456789", min_size=8, max_size=8)


@given(head=_digits8, body=_body)
def test_generated_usccs_agree_with_stdnum(head, body):
    code = head + body + uscc_check_char(head + body)
    assert uscc_problem(code) is None
    assert stdnum_uscc.is_valid(code)


@given(head=_digits8, body=_body, last=st.sampled_from(USCC_ALPHABET))
def test_any_check_char_is_judged_like_stdnum(head, body, last):
    code = head + body + last
    assert (uscc_problem(code) is None) == stdnum_uscc.is_valid(code)


# -- permit numbers ------------------------------------------------------------------------


def test_permit_number_is_the_holders_uscc_a_sequence_and_a_letter():
    assert permit_no_problem(HOLDER + "001P", HOLDER) is None
    assert normalize_permit_no(HOLDER.lower() + "001p", HOLDER) == HOLDER + "001P"


@pytest.mark.parametrize("value", [HOLDER + "001", HOLDER + "001PP", ""])
def test_permit_number_must_have_22_characters(value):
    assert "22" in (permit_no_problem(value) or "")


def test_permit_number_with_a_bad_uscc_part_explains_both_languages():
    problem = permit_no_problem("91350100M000100Y44001P") or ""
    assert "前 18 位" in problem and "first 18 characters" in problem
    assert "position 18" in problem


@pytest.mark.parametrize("value, position", [(HOLDER + "0A1P", "19-21"), (HOLDER + "0011", "22")])
def test_permit_number_sequence_and_letter_are_checked(value, position):
    assert position in (permit_no_problem(value) or "")


def test_permit_number_of_another_holder_is_rejected():
    other = VALID_USCC[1]
    problem = permit_no_problem(other + "001P", HOLDER) or ""
    assert HOLDER in problem and other in problem
    with pytest.raises(Invalid) as exc:
        normalize_permit_no(other + "001P", HOLDER)
    assert "permit_no" in exc.value.errors


# -- region / industry code syntax ---------------------------------------------------------


@pytest.mark.parametrize(
    "code, prefix", [("620000", "62"), ("620100", "6201"), ("620102", "620102"), ("110000", "11")]
)
def test_region_prefix_drops_trailing_zero_pairs(code, prefix):
    assert region_prefix(code) == prefix


@pytest.mark.parametrize("code", ["62010", "6201000", "62010a", "", "６２０１００"])
def test_region_code_must_be_six_digits(session, code):
    assert "6 位数字" in (region_code_problem(session, code) or "")


@pytest.mark.parametrize("code", ["C2", "C26001", "U26", "c26", "26", "C-26"])
def test_industry_code_syntax_is_a_section_letter_and_digits(session, code):
    assert "A–T" in (industry_code_problem(session, code) or "")


def test_permit_sequence_must_be_ascii_digits():
    assert "19-21" in (permit_no_problem(HOLDER + "００１P") or "")


# -- reference data loaded by migration 0002 -----------------------------------------------

PROVINCES = {
    "110000": "北京市",
    "120000": "天津市",
    "310000": "上海市",
    "500000": "重庆市",
    "320000": "江苏省",
    "330000": "浙江省",
    "350000": "福建省",
    "610000": "陕西省",
    "620000": "甘肃省",
    "650000": "新疆维吾尔自治区",
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}
CITIES = {
    "620100": "兰州市",
    "411300": "南阳市",
    "370800": "济宁市",
    "210200": "大连市",
    "430300": "湘潭市",
    "130900": "沧州市",
    "220100": "长春市",
}


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_all_34_province_level_divisions_are_loaded(session):
    rows = session.scalars(select(Region).where(Region.level == 1)).all()
    assert len(rows) == 34
    assert all(r.code.endswith("0000") and r.parent_code is None for r in rows)
    assert PROVINCES.items() <= {(r.code, r.name) for r in rows}


@pytest.mark.parametrize("code, name", sorted(CITIES.items()))
def test_named_prefectures_are_loaded_under_their_province(session, code, name):
    row = session.get(Region, code)
    assert (row.name, row.level, row.parent_code) == (name, 2, code[:2] + "0000")
    assert region_name(session, code) == name


def test_every_level_has_its_shape_and_parent(session):
    assert _count(session, Region, Region.level == 2) > 330
    assert _count(session, Region, Region.level == 3) > 2800
    parent = Region.__table__.alias("parent")
    bad = session.execute(
        select(Region.code)
        .join(parent, parent.c.code == Region.parent_code)
        .where(parent.c.level >= Region.level)
    ).all()
    assert bad == []
    assert _count(session, Region, Region.level > 1, Region.parent_code.is_(None)) == 0
    prefectures = session.scalars(select(Region.code).where(Region.level == 2)).all()
    assert all(c.endswith("00") and not c.endswith("0000") for c in prefectures)


def test_municipality_districts_hang_from_the_municipality(session):
    assert [r.code for r in region_path(session, "110101")] == ["110000", "110101"]
    assert session.get(Region, "110100") is None  # NBS's 市辖区 grouping row is not a division
    assert session.get(Region, "500229").parent_code == "500000"


def test_province_administered_county_level_cities_hang_from_the_province(session):
    assert [r.name for r in region_path(session, "429004")] == ["湖北省", "仙桃市"]
    assert [r.name for r in region_path(session, "620102")] == ["甘肃省", "兰州市", "城关区"]


def test_statistics_only_development_zones_are_not_loaded(session):
    assert session.get(Region, "620171") is None  # 兰州新区 (NBS 统计用 code only)
    assert session.get(Region, "441900").level == 2  # 东莞市, a city without counties


def test_region_code_problem_names_the_nearest_known_division(session):
    assert region_code_problem(session, "620102") is None
    assert "兰州市" in (region_code_problem(session, "620199") or "")
    assert "620000" in (region_code_problem(session, "629900") or "")
    assert "990000" in (region_code_problem(session, "990101") or "")


def test_resolve_region_returns_the_row_or_raises(session):
    assert resolve_region(session, " 620100 ").name == "兰州市"
    with pytest.raises(Invalid) as exc:
        resolve_region(session, "620199")
    assert "region_code" in exc.value.errors


def test_known_regions_returns_the_known_subset(session):
    codes = ["620100", "110000", "999999", "", "620199"]
    assert known_regions(session, codes) == {"620100", "110000"}
    assert known_regions(session, []) == set()


def test_the_20_sections_and_97_divisions_of_gbt_4754_2017_are_loaded(session):
    sections = session.scalars(select(Industry).where(Industry.level == 1)).all()
    assert sorted(s.code for s in sections) == list("ABCDEFGHIJKLMNOPQRST")
    assert all(s.parent_code is None for s in sections)
    divisions = session.scalars(select(Industry).where(Industry.level == 2)).all()
    assert len(divisions) == 97
    assert sorted(int(d.code[1:]) for d in divisions) == list(range(1, 98))
    assert all(d.parent_code == d.code[0] for d in divisions)


@pytest.mark.parametrize(
    "code, name",
    [
        ("C", "制造业"),
        ("C26", "化学原料和化学制品制造业"),
        ("C17", "纺织业"),
        ("C25", "石油、煤炭及其他燃料加工业"),
        ("D44", "电力、热力生产和供应业"),
        ("D46", "水的生产和供应业"),
        ("N77", "生态保护和环境治理业"),
    ],
)
def test_named_industries_have_their_standard_names(session, code, name):
    assert industry_name(session, code) == name


POLLUTION_HEAVY = [
    "C17",
    "C19",
    "C22",
    "C25",
    "C26",
    "C27",
    "C30",
    "C31",
    "C32",
    "C33",
    "D44",
    "D46",
    "N77",
]


def test_groups_and_classes_are_loaded_for_every_division(session):
    assert _count(session, Industry, Industry.level == 3) == 473
    assert _count(session, Industry, Industry.level == 4) == 1381
    parents = set(session.scalars(select(Industry.parent_code).where(Industry.level == 3)))
    assert parents == set(session.scalars(select(Industry.code).where(Industry.level == 2)))
    assert set(POLLUTION_HEAVY) <= parents


@pytest.mark.parametrize(
    "code, name, parent",
    [
        ("D441", "电力生产", "D44"),
        ("D4411", "火力发电", "D441"),
        ("D4412", "热电联产", "D441"),
        ("D462", "污水处理及其再生利用", "D46"),
        ("D4620", "污水处理及其再生利用", "D462"),
        ("C2611", "无机酸制造", "C261"),
        ("C2511", "原油加工及石油制品制造", "C251"),
        ("C3011", "水泥制造", "C301"),
        ("C3110", "炼铁", "C311"),
        ("C2221", "机制纸及纸板制造", "C222"),
        ("C1910", "皮革鞣制加工", "C191"),
        ("N7724", "危险废物治理", "N772"),
    ],
)
def test_named_groups_and_classes_have_their_standard_names(session, code, name, parent):
    row = session.get(Industry, code)
    assert (row.name, row.parent_code, row.level) == (name, parent, len(code) - 1)


def test_industry_code_problem_names_a_missing_group_or_class(session):
    assert industry_code_problem(session, "D4411") is None
    assert "小类" in (industry_code_problem(session, "D4418") or "")
    assert "中类" in (industry_code_problem(session, "C260") or "")
    assert "C" in (industry_code_problem(session, "D2611") or "")


def test_industry_parents_are_one_level_up_and_share_the_code_prefix(session):
    rows = session.scalars(select(Industry).where(Industry.level > 1)).all()
    by_code = {r.code: r for r in session.scalars(select(Industry))}
    for row in rows:
        parent = by_code[row.parent_code]
        assert parent.level == row.level - 1, row.code
        assert row.code.startswith(parent.code), row.code
        assert len(row.code) == row.level + 1, row.code


def test_industry_code_problem_explains_a_wrong_section(session):
    assert industry_code_problem(session, "C26") is None
    problem = industry_code_problem(session, "D26") or ""
    assert "属于门类 C" in problem and "C26" in problem
    assert "98" in (industry_code_problem(session, "T98") or "")


def test_resolve_industry_normalises_and_checks_existence(session):
    assert resolve_industry(session, " c26 ").code == "C26"
    assert [r.code for r in industry_path(session, "D4411")] == ["D", "D44", "D441", "D4411"]
    with pytest.raises(Invalid) as exc:
        resolve_industry(session, "C99")
    assert "industry_code" in exc.value.errors


def test_known_industries_returns_the_known_subset(session):
    assert known_industries(session, ["C26", "N77", "C99", "X"]) == {"C26", "N77"}
