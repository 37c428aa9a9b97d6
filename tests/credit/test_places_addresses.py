"""Address text → region: full names, short forms, a city context, ambiguous, not found."""

from __future__ import annotations

import pytest

from credit.places.addresses import parse_address, short_forms


@pytest.mark.parametrize(
    ("name", "level", "forms"),
    [
        ("甘肃省", 1, ["甘肃"]),
        ("新疆维吾尔自治区", 1, ["新疆"]),
        ("内蒙古自治区", 1, ["内蒙古"]),
        ("香港特别行政区", 1, ["香港"]),
        ("兰州市", 2, ["兰州"]),
        ("临夏回族自治州", 2, ["临夏", "临夏州"]),
        ("黔东南苗族侗族自治州", 2, ["黔东南", "黔东南州"]),
        ("阿克苏地区", 2, ["阿克苏"]),
        ("城关区", 3, []),
    ],
)
def test_short_forms_drop_the_type_and_ethnic_names(name, level, forms):
    assert short_forms(name, level) == forms


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("兰州市城关区张掖路 12 号", "620102"),
        ("甘肃兰州城关区雁滩路", "620102"),
        ("甘肃省兰州市城关区", "620102"),
        ("兰州七里河区", "620103"),
        ("北京朝阳区建国路", "110105"),
        ("吉林省长春市朝阳区", "220104"),
        ("长春朝阳区人民大街", "220104"),
        ("新疆乌鲁木齐天山区", "650102"),
        ("临夏州临夏市", "622901"),
        ("兰州黄河边", "620100"),
        ("甘肃", "620000"),
    ],
)
def test_realistic_addresses_are_found(session, text, code):
    match = parse_address(session, text)
    assert (match.status, match.code) == ("found", code)


def test_a_county_name_alone_is_ambiguous_with_its_candidates(session):
    match = parse_address(session, "朝阳区")
    assert match.status == "ambiguous" and match.code is None
    assert {(c.code, c.full_name) for c in match.candidates} == {
        ("110105", "北京市朝阳区"),
        ("220104", "吉林省长春市朝阳区"),
    }


def test_a_city_context_decides_a_bare_county_name(session):
    assert parse_address(session, "城关区张掖路", "620100").code == "620102"
    assert parse_address(session, "城关区", "540100").code == "540102"
    assert parse_address(session, "城关区").status == "ambiguous"


@pytest.mark.parametrize("text", ["", "黄河边上一个排污口", "城区菜市场后面", "😀🏭" * 200])
def test_text_naming_no_region_is_not_found(session, text):
    match = parse_address(session, text)
    assert (match.status, match.candidates) == ("not_found", [])
