"""The data dictionary: every column of every public dataset with its meaning (zh-CN and
English), type, unit, allowed values and source, from the same column definitions as the
Table Schemas (credit.records.export_schema)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from credit.records.export_schema import COLUMNS, field_constraints
from credit.records.exports import RESOURCES


@dataclass(frozen=True)
class Entry:
    """One column of one dataset."""

    dataset: str
    column: str
    type: str
    meaning_zh: str
    meaning_en: str
    unit: str
    allowed_values: str
    required: bool
    source: str


#: the dictionary's own Table Schema (its CSV ships in every release)
DICTIONARY_FIELDS = [
    (name, "boolean" if name == "required" else "string") for name in Entry.__dataclass_fields__
]


def allowed_values(constraints: dict[str, Any]) -> str:
    """The allowed values as a person reads them: a list, a pattern or a range."""
    if "enum" in constraints:
        return " | ".join(constraints["enum"])
    if "pattern" in constraints:
        return f"/{constraints['pattern']}/"
    low, high = constraints.get("minimum"), constraints.get("maximum")
    if low is not None or high is not None:
        return f"{'' if low is None else low} … {'' if high is None else high}"
    return ""


def data_dictionary() -> list[Entry]:
    """Every column of every export, in export order (needs the app: the score's range is the
    active rulebook's)."""
    out = []
    for dataset, resource in RESOURCES.items():
        for column, kind in resource.fields:
            definition = COLUMNS[column]
            constraints = field_constraints(dataset, column, kind)
            out.append(
                Entry(
                    dataset=dataset,
                    column=column,
                    type=kind,
                    meaning_zh=definition.zh,
                    meaning_en=definition.en,
                    unit=definition.unit,
                    allowed_values=allowed_values(constraints),
                    required=bool(constraints.get("required")),
                    source=definition.source,
                )
            )
    return out


def dictionary_csv(entries: list[Entry]) -> str:
    """The dictionary as CSV text (UTF-8, a header row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _kind in DICTIONARY_FIELDS])
    for entry in entries:
        row = asdict(entry)
        row["required"] = "true" if entry.required else "false"
        writer.writerow(row.values())
    return buffer.getvalue()


def dictionary_json(entries: list[Entry]) -> list[dict[str, Any]]:
    """The dictionary as JSON-ready dicts."""
    return [asdict(e) for e in entries]
