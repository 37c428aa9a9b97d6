"""Fuzzing the import parsers: any file gives a clean result or a clean error, never a crash
and never a partial import."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from credit.records.models import Enterprise

HEADER = "uscc,name,region_code,industry_code,permit_category,status\n"
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "91350100M000100Y43",
            "620100",
            "C26",
            "重点管理",
            "operating",
            "",
            '"',
            ",",
            "\n",
            "\x00",
            "９１３５",
            "2026-02-30",
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=400), st.sampled_from(["f.csv", "f.jsonl", "f.xlsx"]))
def test_random_bytes_never_crash(runner, tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["records", "import", "--kind", "enterprises", str(path)])
    assert result.exit_code in (0, 1), (result.exit_code, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(CELLS, min_size=6, max_size=6), min_size=1, max_size=6))
def test_csv_like_rows_import_wholly_or_not_at_all(runner, session, tmp_path, rows):
    session.execute(text("DELETE FROM change_log"))
    session.execute(text("DELETE FROM enterprises"))
    session.commit()
    lines = [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    path = tmp_path / "f.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["records", "import", "--kind", "enterprises", str(path)])
    assert result.exit_code in (0, 1), result.exception
    session.rollback()
    stored = session.scalar(select(func.count()).select_from(Enterprise))
    if result.exit_code == 1:
        assert stored == 0
