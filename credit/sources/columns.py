"""The import format of the ledger (`records import --kind sources`): columns and parsers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from core.messages import msg
from credit.places.crs import CRS_NAMES
from credit.records import fields
from credit.sources.models import SOURCE_TYPE_NAMES, SOURCE_TYPES

#: a type by its key or its zh-CN label (建筑工地 → construction_site)
TYPES = {**{t: t for t in SOURCE_TYPES}, **{zh: t for t, zh in SOURCE_TYPE_NAMES.items()}}
#: coordinates given with more decimals are rounded to these (0.1 m) once in WGS-84
PLACES = 6

COLUMNS: list[tuple[str, bool, Callable[[str], Any]]] = [
    ("code", True, partial(fields.text, max_len=32)),
    ("name", True, partial(fields.text, max_len=200)),
    ("type", True, partial(fields.choice, mapping=TYPES, label=msg("类型"))),
    ("latitude", True, partial(fields.decimal, low=Decimal(-90), high=Decimal(90), places=10)),
    ("longitude", True, partial(fields.decimal, low=Decimal(-180), high=Decimal(180), places=10)),
    ("address", False, partial(fields.text, max_len=300)),
    ("region_code", False, partial(fields.text, max_len=6)),
    ("uscc", False, str.upper),
    ("crs", False, partial(fields.choice, mapping={c: c for c in CRS_NAMES}, label="crs")),
]
