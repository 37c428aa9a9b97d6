"""Search tests run against every backend: SQLite FTS5, Tantivy and Whoosh everywhere, PostgreSQL's
when available."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "tantivy", "whoosh", "postgres"])
def app_config(request, database_url, tmp_path):
    if request.param == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL search backend needs TEST_DATABASE_URL")
    return {
        "DATABASE_URL": database_url,
        "ENVCREDIT_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "BACKGROUND_CONSUMERS": False,
        "API_ANON_RATE_LIMIT": "1000000 per minute",
        "SEARCH_BACKEND": request.param,
    }
