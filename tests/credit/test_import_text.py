"""Imported text is plain text: control characters and non-characters are row errors
(security F6, review row 123), in every column of every kind, and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from credit.records import fields
from credit.records.columns import SPECS, parse_row
from credit.records.models import Enterprise
from credit.records.rows import RowError

REFUSED = ["\x0b", "\x00", "\x1b", "\x0c", "\x7f", "\x85", "\ud800", "\uffff"]
COLUMNS = [(kind, column) for kind, spec in SPECS.items() for column, _r, _p in spec]


@pytest.mark.parametrize(("kind", "column"), COLUMNS)
def test_a_control_character_in_any_column_of_any_kind_is_a_row_error(kind, column):
    _values, errors = parse_row(kind, 7, {column: "a\x0bb"})
    mine = [e for e in errors if e.column == column]
    assert len(mine) == 1, errors
    assert mine[0].reason == "含有控制字符 \\x0b / contains control characters (\\x0b)"
    assert str(mine[0]) == (
        f"row 7, column {column}, value 'a\\x0bb': 含有控制字符 \\x0b / "
        "contains control characters (\\x0b)"
    )


@pytest.mark.parametrize("character", REFUSED)
def test_each_refused_character_is_named_escaped(character):
    with pytest.raises(ValueError, match=r"\\[xu]") as caught:
        fields.plain(f"前{character}后")
    assert character not in str(caught.value)
    assert character not in str(RowError(1, "facts", f"前{character}后", str(caught.value)))


def test_tab_newline_and_carriage_return_stay_allowed():
    assert fields.plain("第一行\r\n第二行\t完") == "第一行\r\n第二行\t完"
    values, errors = parse_row("inspections", 1, {"findings": "废气\n\t超标"})
    assert "findings" not in {e.column for e in errors} and values["findings"] == "废气\n\t超标"


def test_a_trailing_control_character_is_refused_not_stripped():
    _values, errors = parse_row("enterprises", 1, {"name": "华源化工\x0b"})
    assert [e.column for e in errors if "control" in e.reason] == ["name"]


def test_the_cli_reports_the_escaped_value_and_stores_nothing(runner, session, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "uscc,name,region_code,industry_code\n"
        "91350100M000100Y43,兰州华源化工有限公司,620100,C26\n"
        "91130200699229617X,沧州宏达\x0b纸业,130900,C22\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["records", "import", "--kind", "enterprises", str(path)])
    assert result.exit_code == 1
    assert (
        "row 3, column name, value '沧州宏达\\x0b纸业': 含有控制字符 \\x0b / contains "
        "control characters (\\x0b)"
    ) in result.output
    assert "\x0b" not in result.output
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0
