"""The OpenAPI document is snapshotted: any change to it must be reviewed and committed.

Regenerate with: UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/pytest tests/api/test_openapi_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def test_openapi_document_matches_the_reviewed_snapshot(app):
    spec = app.extensions["envcredit.api"].spec.to_dict()
    text = json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), (
        "the OpenAPI document changed: review it, then regenerate the snapshot "
        "(UPDATE_OPENAPI_SNAPSHOT=1)"
    )
