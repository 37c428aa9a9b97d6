"""The Frictionless data package of the CSV exports, at absolute URLs; its Table Schemas come
from the one column definition (credit.records.export_schema)."""

from __future__ import annotations

from typing import Any

from core.web import external_url
from credit.records.export_schema import LICENSE, TITLE, table_schema


def data_package(resources: dict[str, list[tuple[str, str]]], seq: int) -> dict[str, Any]:
    """The descriptor: every CSV export with its Table Schema, at absolute URLs."""
    return {
        "profile": "tabular-data-package",
        "name": "envcredit",
        "title": TITLE,
        "licenses": [LICENSE],
        "envcredit:change_seq": seq,
        "resources": [
            {
                "name": name,
                "path": external_url("exports.Export", name=name, fmt="csv"),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(name, fields),
            }
            for name, fields in resources.items()
        ],
    }
