"""Each rule has one definition: a second copy of the China time zone, the level codes or the
server's calendar date in the application's code fails here with the place to fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "credit", "search", "disclosure", "openapi")

#: (what, pattern, the one module allowed to hold it)
RULES = [
    ("the China time zone", re.compile(r"Asia/Shanghai|hours=8\)"), "core/clock.py"),
    ("the server's date", re.compile(r"\bdate\.today\(|datetime\.now\(\)"), "core/clock.py"),
    (
        "the level codes",
        re.compile(r"""\(\s*["']green["'],\s*["']blue["']"""),
        "credit/ratings/levels.py",
    ),
    ("the level names", re.compile(r"环保诚信企业"), "credit/ratings/levels.py"),
    # the one haversine: near-me, tip-offs nearby and Open311's radius all measure with it
    ("the great-circle distance", re.compile(r"\b637[01][0-9.]*"), "credit/places/crs.py"),
]


def _sources() -> list[Path]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*") if p.suffix in {".py", ".html"}]
    return sorted(files)


def offenders(
    pattern: re.Pattern[str], allowed: str, files: list[Path], root: Path = ROOT
) -> list[str]:
    """``path:line`` of every match outside ``allowed``."""
    found = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel == allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{rel}:{number}")
    return found


@pytest.mark.parametrize(("what", "pattern", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_one_definition(what, pattern, allowed):
    found = offenders(pattern, allowed, _sources())
    assert not found, f"{what} is defined in {allowed}; import it from there: {found}"


def test_the_checker_finds_a_copy_and_spares_the_definition(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "clock.py").write_text('CHINA = "Asia/Shanghai"\n', encoding="utf-8")
    (tmp_path / "a.py").write_text('x = 1\nTZ = ZoneInfo("Asia/Shanghai")\n', encoding="utf-8")
    (tmp_path / "b.py").write_text("from core.clock import CHINA\n", encoding="utf-8")
    files = sorted(tmp_path.rglob("*.py"))
    _what, pattern, allowed = RULES[0]
    assert offenders(pattern, allowed, files, tmp_path) == ["a.py:2"]
